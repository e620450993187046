package shop.ledger.query.operations;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;
import shop.ledger.query.operations.ProjectionOverview.ReplayStarted;
import shop.ledger.query.position.NoReadModel;

/** Staff operations on the read models (ADMIN, like everything under /api/admin). */
@RestController
@NoReadModel("the processors' own state: their tokens and the rebuilds")
@Tag(name = "Operations")
public class ProjectionsController {

    private final ProjectionOperations operations;

    public ProjectionsController(ProjectionOperations operations) {
        this.operations = operations;
    }

    @GetMapping("/api/admin/projections")
    @Operation(summary = "Every event processor's position, lag behind the event store's head and replay progress (ADMIN)")
    public ProjectionOverview projections() {
        return operations.overview();
    }

    @PostMapping("/api/admin/projections/{name}/replay")
    @ResponseStatus(HttpStatus.ACCEPTED)
    @Operation(summary = "Rebuild a read model from the events while the system keeps serving (ADMIN); "
            + "progress in GET /api/admin/projections")
    public ReplayStarted replay(@PathVariable String name) {
        operations.replay(name);
        return new ReplayStarted(name, true);
    }
}

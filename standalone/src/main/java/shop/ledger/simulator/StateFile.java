package shop.ledger.simulator;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;

/**
 * A simulator's whole state in one JSON file under {@code <data dir>/simulators}. The simulators stand for outside
 * parties, so their state lives apart from the ledger's database; it is written through before an answer leaves,
 * so a restart forgets nothing they acknowledged (DhruSimulatorStateTest, PayoutSimulatorStateTest).
 * <ul>
 *   <li>Written whole and replaced atomically: a crash leaves the old file or the new one, never half of one.</li>
 *   <li>Readable by the owner only: it holds IMEIs and payout destinations, as a real party's database would.</li>
 *   <li>An unreadable file is moved aside ({@code <name>.unreadable-<millis>.json}) and the simulator starts
 *   empty, rather than refusing to start.</li>
 * </ul>
 */
public final class StateFile<T> {

    private static final Logger log = LoggerFactory.getLogger(StateFile.class);
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final Path file;
    private final Class<T> shape;
    private final String owner;

    /**
     * @param file  the file, e.g. {@code <data dir>/simulators/payouts.json}
     * @param shape the record it holds
     * @param owner who keeps it, for the log ("payout simulator")
     */
    public StateFile(Path file, Class<T> shape, String owner) {
        this.file = file;
        this.shape = shape;
        this.owner = owner;
    }

    /** The state last written; empty when there is none or it was unreadable (then moved aside). */
    public Optional<T> read() {
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        try {
            return Optional.of(JSON.readValue(file.toFile(), shape));
        } catch (JacksonException unreadable) {
            String name = file.getFileName().toString().replaceFirst("\\.json$", "");
            Path aside = file.resolveSibling(name + ".unreadable-" + System.currentTimeMillis() + ".json");
            log.warn("{}: {} is unreadable; moved aside to {}", owner, file, aside.getFileName());
            try {
                Files.move(file, aside);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return Optional.empty();
        }
    }

    /** Replaces the whole file with {@code state}. */
    public void write(T state) {
        try {
            Files.createDirectories(file.getParent());
            Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
            Files.write(temporary, JSON.writeValueAsBytes(state));
            ownerOnly(temporary);
            try {
                Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException notOnThisFileSystem) {
                Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot save the " + owner + "'s state to " + file, e);
        }
    }

    public Path path() {
        return file;
    }

    private static void ownerOnly(Path path) throws IOException {
        try {
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException notPosix) {
            // Windows: the data directory's own permissions apply
        }
    }
}

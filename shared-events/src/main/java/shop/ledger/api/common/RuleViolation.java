package shop.ledger.api.common;

/**
 * A command refused by a business rule. It carries the problem type the caller sees, so the web
 * layer answers the same problem whether the command ran in this JVM or behind Axon Server
 * (where the slug travels as the exception's details).
 */
public class RuleViolation extends RuntimeException {

    private final ProblemType problem;

    public RuleViolation(ProblemType problem, String detail) {
        super(detail, null, false, false);
        this.problem = problem;
    }

    public ProblemType problem() {
        return problem;
    }
}

package shop.ledger.platform.axon;

import org.axonframework.commandhandling.CommandExecutionException;
import org.axonframework.commandhandling.CommandMessage;
import org.axonframework.messaging.InterceptorChain;
import org.axonframework.messaging.MessageHandlerInterceptor;
import org.axonframework.messaging.unitofwork.UnitOfWork;
import shop.ledger.api.common.RuleViolation;

/**
 * Turns a refused command into a {@link CommandExecutionException} whose details are the problem slug.
 * Details are what survives the trip through Axon Server, so a refusal answers the same problem+json
 * whether the command ran in this JVM or in another command-side instance.
 */
public class RuleViolationInterceptor implements MessageHandlerInterceptor<CommandMessage<?>> {

    @Override
    public Object handle(UnitOfWork<? extends CommandMessage<?>> unitOfWork, InterceptorChain chain) throws Exception {
        try {
            return chain.proceed();
        } catch (RuleViolation violation) {
            throw new CommandExecutionException(violation.getMessage(), violation, violation.problem().slug());
        }
    }
}

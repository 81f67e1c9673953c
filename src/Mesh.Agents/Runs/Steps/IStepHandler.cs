namespace Mesh.Agents.Runs.Steps;

/// <summary>Runs one attempt of steps of one kind. Called inside the run's call scope, so calls carry the run's credential.</summary>
public interface IStepHandler
{
    string Kind { get; }

    Task<StepResult> RunAsync(StepInvocation invocation, CancellationToken cancellationToken);
}

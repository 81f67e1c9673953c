namespace Mesh.Agents.Runs;

/// <summary>An agent the service can run.</summary>
public interface IAgent
{
    string Name { get; }

    string Version { get; }

    string Description { get; }

    /// <summary>The tools the agent may call: the scope of its runs' credentials.</summary>
    IReadOnlyList<string> Tools { get; }

    /// <summary>The models the agent may call.</summary>
    IReadOnlyList<string> Models { get; }

    /// <summary>Runs the agent on <paramref name="input"/>, writing its events to <paramref name="run"/>.</summary>
    Task RunAsync(string input, RunStream run, CancellationToken cancellationToken);
}

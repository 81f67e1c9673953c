using Mesh.Inference.V1;

namespace Mesh.Inference.Scheduling;

/// <summary>Scheduling classes, served strictly in this order; tenants share each class fairly.</summary>
public enum WorkPriority
{
    Interactive = 0,
    Standard = 1,
    Batch = 2,
}

public static class WorkPriorities
{
    public const int Count = 3;

    public static WorkPriority From(Priority priority) => priority switch
    {
        Priority.Interactive => WorkPriority.Interactive,
        Priority.Batch => WorkPriority.Batch,
        _ => WorkPriority.Standard,
    };

    public static string Name(WorkPriority priority) => priority switch
    {
        WorkPriority.Interactive => "interactive",
        WorkPriority.Batch => "batch",
        _ => "standard",
    };
}

using Mesh.Console.Vrio;

namespace Mesh.Console.Pages;

/// <summary>The VRIO report: capabilities by verdict, each with its evidence (see <see cref="IVrioReports"/>).</summary>
public sealed class VrioModel(IVrioReports reports) : ConsolePage
{
    public VrioReport? Report { get; private set; }

    public async Task OnGetAsync() => Report = await reports.GetAsync(HttpContext.RequestAborted);
}

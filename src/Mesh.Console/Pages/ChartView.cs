using Mesh.Console.Reports;

namespace Mesh.Console.Pages;

/// <summary>A chart on a page: the canvas id, its caption (also its accessible name) and its data.</summary>
public sealed record ChartView(string Id, string Caption, ChartData Data);

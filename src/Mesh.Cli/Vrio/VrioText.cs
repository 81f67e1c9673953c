using System.Globalization;
using System.Text;
using Mesh.Telemetry.V1;

namespace Mesh.Cli.Vrio;

/// <summary>Names and colours of verdicts, and the report as Markdown for sharing.</summary>
public static class VrioText
{
    public static string Name(Verdict verdict) => verdict switch
    {
        Verdict.NotEnoughEvidence => "not enough evidence",
        Verdict.CompetitiveDisadvantage => "disadvantage",
        Verdict.CompetitiveParity => "parity",
        Verdict.TemporaryAdvantage => "temporary advantage",
        Verdict.UnusedAdvantage => "unused advantage",
        Verdict.SustainedAdvantage => "sustained advantage",
        _ => "-",
    };

    public static string Colour(Verdict verdict) => verdict switch
    {
        Verdict.CompetitiveDisadvantage => "red",
        Verdict.CompetitiveParity => "yellow",
        Verdict.TemporaryAdvantage => "aqua",
        Verdict.UnusedAdvantage => "fuchsia",
        Verdict.SustainedAdvantage => "green",
        _ => "grey",
    };

    public static string Ref(CapabilityRef r) => r.Version.Length == 0 ? $"{r.Kind}:{r.Name}" : $"{r.Kind}:{r.Name}@{r.Version}";

    /// <summary>One indicator in a table cell: yes/no/?, and the proxy mark.</summary>
    public static string Cell(Indicator i) =>
        (!i.Sufficient ? "?" : i.Met ? "yes" : "no") + (i.Proxy ? " (proxy)" : "");

    public static string Markdown(VrioReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var md = new StringBuilder();
        md.Append(CultureInfo.InvariantCulture, $"# VRIO report, {report.From.ToDateTime():yyyy-MM-dd} to {report.To.ToDateTime():yyyy-MM-dd}\n\n");
        md.Append("| Capability | Verdict | Value | Rarity | Imitability | Organization | Action |\n|---|---|---|---|---|---|---|\n");
        foreach (var c in report.Capabilities)
        {
            md.Append(CultureInfo.InvariantCulture, $"| {Ref(c.Capability.Ref)} | {Name(c.Verdict)} | {Cell(c.Value)} | {Cell(c.Rarity)} | {Cell(c.Imitability)} | {Cell(c.Organization)} | {c.Action.Replace("|", "/", StringComparison.Ordinal)} |\n");
        }

        foreach (var c in report.Capabilities)
        {
            md.Append(CultureInfo.InvariantCulture, $"\n## {Ref(c.Capability.Ref)}: {Name(c.Verdict)}\n\n");
            md.Append(CultureInfo.InvariantCulture, $"This window: {Name(c.WindowVerdict)}; the window before: {Name(c.PreviousWindowVerdict)}.\n\n");
            foreach (var i in new[] { c.Value, c.Rarity, c.Imitability, c.Organization })
            {
                md.Append(CultureInfo.InvariantCulture, $"### {i.Name}: {Cell(i)}\n\n- formula: {i.Formula}\n- threshold: {i.Threshold}\n- reason: {i.Reason}\n");
                foreach (var e in i.Evidence)
                {
                    md.Append(CultureInfo.InvariantCulture, $"- {e.Name}: {e.Value}\n");
                }

                md.Append('\n');
            }

            if (c.Weaknesses.Count > 0)
            {
                md.Append("Weaknesses:\n\n");
                foreach (var w in c.Weaknesses)
                {
                    md.Append(CultureInfo.InvariantCulture, $"- {w}\n");
                }

                md.Append('\n');
            }

            md.Append(CultureInfo.InvariantCulture, $"Action: {c.Action}\n");
        }

        var t = report.Thresholds;
        md.Append(CultureInfo.InvariantCulture, $"\n## Thresholds\n\n- min value per USD (bootstrap q{t.BootstrapQuantile} of {t.BootstrapSamples}): {t.MinValuePerUsd}\n- close substitute ratio: {t.CloseSubstituteRatio}; max close substitutes: {t.MaxCloseSubstitutes}\n- proxy min success rate: {t.ProxyMinSuccessRate}\n- min days in production: {t.MinDaysInProduction}; max substitute saving: {t.MaxSubstituteSaving}\n- min governed share: {t.MinGovernedShare}; min principals: {t.MinPrincipals}; max deny rate: {t.MaxDenyRate}\n- minimum evidence: {t.MinDays} days, {t.MinCalls} calls, {t.MinOutcomes} outcomes (else value by proxy)\n");
        foreach (var note in report.Notes)
        {
            md.Append(CultureInfo.InvariantCulture, $"\nNote: {note}\n");
        }

        return md.ToString();
    }
}

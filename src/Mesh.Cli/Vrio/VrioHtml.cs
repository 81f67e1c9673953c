using System.Globalization;
using System.Net;
using System.Text;
using Mesh.Telemetry.V1;

namespace Mesh.Cli.Vrio;

/// <summary>
/// The report as one self-contained HTML page for sharing: styles inline, no scripts, fonts,
/// images or links to anything outside it, and every value from the report HTML-escaped.
/// </summary>
public static class VrioHtml
{
    private const string Style = """
        body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;max-width:72rem;padding:0 1rem;color:#1d2433}
        h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #d5dae3;padding-bottom:.25rem}h3{font-size:1rem;margin:1rem 0 .25rem}
        table{border-collapse:collapse;width:100%;margin:.5rem 0}th,td{border:1px solid #d5dae3;padding:.3rem .5rem;text-align:left;vertical-align:top}
        th{background:#f2f4f8}td.n{text-align:right;font-variant-numeric:tabular-nums}.muted{color:#5b6577}
        .v{display:inline-block;padding:.05rem .45rem;border-radius:.6rem;font-weight:600;white-space:nowrap}
        .disadvantage{background:#fde2e1;color:#9b1c1c}.parity{background:#fdf3d0;color:#7a5b00}.temporary{background:#d9f2fb;color:#075e7a}
        .unused{background:#f6e1fb;color:#7a1f8f}.sustained{background:#dcf5e3;color:#17663a}.none{background:#eceff4;color:#4a5264}
        .yes{color:#17663a;font-weight:600}.no{color:#9b1c1c;font-weight:600}.unknown{color:#5b6577}
        """;

    public static string Render(VrioReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var window = $"{report.From.ToDateTime():yyyy-MM-dd HH:mm} to {report.To.ToDateTime():yyyy-MM-dd HH:mm} UTC";
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
            .Append("<title>").Append(E($"VRIO report, {window}")).Append("</title>\n<style>").Append(Style).Append("</style>\n</head>\n<body>\n")
            .Append("<h1>VRIO report</h1>\n<p class=\"muted\">").Append(E($"{window}; the window before it: from {report.PreviousFrom.ToDateTime():yyyy-MM-dd HH:mm} UTC. "))
            .Append("Value, rarity, imitability and organization of each capability, with the evidence and thresholds each verdict rests on.</p>\n");
        html.Append("<table>\n<tr><th>Capability</th><th>Verdict</th><th>Value</th><th>Rarity</th><th>Imitability</th><th>Organization</th><th>Calls</th><th>Action</th></tr>\n");
        foreach (var c in report.Capabilities)
        {
            html.Append("<tr><td><a href=\"#").Append(Anchor(c)).Append("\">").Append(E(VrioText.Ref(c.Capability.Ref))).Append("</a></td><td>").Append(Verdict(c.Verdict));
            if (c.Verdict != c.WindowVerdict)
            {
                html.Append(" <span class=\"muted\">(this window: ").Append(E(VrioText.Name(c.WindowVerdict))).Append(")</span>");
            }

            html.Append("</td>");
            foreach (var indicator in new[] { c.Value, c.Rarity, c.Imitability, c.Organization })
            {
                html.Append("<td>").Append(Cell(indicator)).Append("</td>");
            }

            html.Append("<td class=\"n\">").Append(c.Calls.ToString("N0", CultureInfo.InvariantCulture)).Append("</td><td>").Append(E(c.Action)).Append("</td></tr>\n");
        }

        html.Append("</table>\n");
        foreach (var c in report.Capabilities)
        {
            Details(html, c);
        }

        Thresholds(html, report.Thresholds);
        foreach (var note in report.Notes)
        {
            html.Append("<p class=\"muted\">Note: ").Append(E(note)).Append("</p>\n");
        }

        return html.Append("</body>\n</html>\n").ToString();
    }

    private static void Details(StringBuilder html, CapabilityAssessment c)
    {
        html.Append("<h2 id=\"").Append(Anchor(c)).Append("\">").Append(E(VrioText.Ref(c.Capability.Ref))).Append(": ").Append(Verdict(c.Verdict)).Append("</h2>\n<p>")
            .Append(E($"This window: {VrioText.Name(c.WindowVerdict)}; the window before: {VrioText.Name(c.PreviousWindowVerdict)}. Action: {c.Action}")).Append("</p>\n");
        foreach (var i in new[] { c.Value, c.Rarity, c.Imitability, c.Organization })
        {
            html.Append("<h3>").Append(E(i.Name)).Append(": ").Append(Cell(i)).Append("</h3>\n<p>").Append(E(i.Reason)).Append("</p>\n<table>\n")
                .Append("<tr><th>formula</th><td>").Append(E(i.Formula)).Append("</td></tr>\n<tr><th>threshold</th><td>").Append(E(i.Threshold)).Append("</td></tr>\n");
            foreach (var e in i.Evidence)
            {
                html.Append("<tr><th>").Append(E(e.Name)).Append("</th><td>").Append(E(e.Value)).Append("</td></tr>\n");
            }

            html.Append("</table>\n");
        }

        if (c.Weaknesses.Count > 0)
        {
            html.Append("<h3>Weaknesses</h3>\n<ul>\n");
            foreach (var w in c.Weaknesses)
            {
                html.Append("<li>").Append(E(w)).Append("</li>\n");
            }

            html.Append("</ul>\n");
        }
    }

    private static void Thresholds(StringBuilder html, VrioThresholds t)
    {
        var rows = new (string Name, string Value)[]
        {
            ("value per dollar, lower bound at least", $"{N(t.MinValuePerUsd)} (q{N(t.BootstrapQuantile)} of {t.BootstrapSamples} day-bootstrap resamples)"),
            ("value by proxy: success rate at least", N(t.ProxyMinSuccessRate)),
            ("close substitute: value per dollar at least", $"{N(t.CloseSubstituteRatio)} x its own; rare with at most {t.MaxCloseSubstitutes}"),
            ("days in production at least", t.MinDaysInProduction.ToString(CultureInfo.InvariantCulture)),
            ("replay saving at most", N(t.MaxSubstituteSaving)),
            ("governed share at least", N(t.MinGovernedShare)),
            ("principals at least", t.MinPrincipals.ToString(CultureInfo.InvariantCulture)),
            ("deny rate at most", N(t.MaxDenyRate)),
            ("minimum evidence", $"{t.MinDays} days, {t.MinCalls} calls; {t.MinOutcomes} outcomes before value is measured"),
        };
        html.Append("<h2>Thresholds</h2>\n<table>\n");
        foreach (var (name, value) in rows)
        {
            html.Append("<tr><th>").Append(E(name)).Append("</th><td>").Append(E(value)).Append("</td></tr>\n");
        }

        html.Append("</table>\n");
    }

    private static string Verdict(Verdict verdict)
    {
        var css = verdict switch
        {
            Telemetry.V1.Verdict.CompetitiveDisadvantage => "disadvantage",
            Telemetry.V1.Verdict.CompetitiveParity => "parity",
            Telemetry.V1.Verdict.TemporaryAdvantage => "temporary",
            Telemetry.V1.Verdict.UnusedAdvantage => "unused",
            Telemetry.V1.Verdict.SustainedAdvantage => "sustained",
            _ => "none",
        };
        return $"<span class=\"v {css}\">{E(VrioText.Name(verdict))}</span>";
    }

    private static string Cell(Indicator i) =>
        (!i.Sufficient ? "<span class=\"unknown\">?</span>" : i.Met ? "<span class=\"yes\">yes</span>" : "<span class=\"no\">no</span>") + (i.Proxy ? " <span class=\"muted\">(proxy)</span>" : "");

    /// <summary>An id from the capability reference: letters and digits kept, everything else as its code, so no name can break out of the attribute.</summary>
    private static string Anchor(CapabilityAssessment c)
    {
        var text = new StringBuilder("c-");
        foreach (var ch in VrioText.Ref(c.Capability.Ref))
        {
            text.Append(char.IsAsciiLetterOrDigit(ch) ? ch.ToString() : $"_{(int)ch:x}");
        }

        return text.ToString();
    }

    private static string N(double value) => value.ToString("0.####", CultureInfo.InvariantCulture);

    private static string E(string text) => WebUtility.HtmlEncode(text);
}

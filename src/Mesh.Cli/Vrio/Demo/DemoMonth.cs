using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Google.Protobuf.WellKnownTypes;
using Mesh.Usage.V1;

namespace Mesh.Cli.Vrio.Demo;

/// <summary>
/// Generates a demo tenant's usage events, day by day, as the services would have published them:
/// workflow steps, model and tool calls with their tokens and device time, the permission checks
/// before each call, and the outcome of each run. Everything about a day (counts, times, ids)
/// follows from the tenant and the date alone, so generating a day again gives the same events
/// with the same ids, and publishing them again stores nothing new.
/// </summary>
public static class DemoMonth
{
    /// <summary>The events of the tenant's last <see cref="DemoTenants.Days"/> days up to <paramref name="now"/> (none later).</summary>
    public static IEnumerable<UsageEvent> Events(DemoTenant tenant, DateTime now)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        var today = now.Date;
        for (var daysAgo = DemoTenants.Days - 1; daysAgo >= 0; daysAgo--)
        {
            foreach (var usageEvent in Day(tenant, today.AddDays(-daysAgo), daysAgo).Where(e => e.OccurredAt.ToDateTime() < now))
            {
                yield return usageEvent;
            }
        }
    }

    /// <summary>The id an outcome recorded with <c>mesh vrio outcome</c> would get: the same outcome is stored once however it arrives.</summary>
    public static string OutcomeEventId(string tenantId, string outcomeId) =>
        new Guid(SHA256.HashData(Encoding.UTF8.GetBytes($"outcome\0{tenantId}\0{outcomeId}")).AsSpan(0, 16)).ToString();

    private static List<UsageEvent> Day(DemoTenant tenant, DateTime date, int daysAgo)
    {
        var day = new DayWriter(tenant, date);
        var workday = date.DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday);
        foreach (var (runs, r) in tenant.Runs.Select((x, i) => (x, i)).Where(x => daysAgo < x.x.FirstDay))
        {
            var count = day.Count(runs.PerWorkday, workday);
            for (var i = 0; i < count; i++)
            {
                day.Run(runs, $"{r}-{i}", daysAgo);
            }
        }

        foreach (var (stream, s) in tenant.Streams.Select((x, i) => (x, i)).Where(x => daysAgo < x.x.FirstDay))
        {
            var count = day.Count(stream.PerWorkday, workday);
            for (var i = 0; i < count; i++)
            {
                day.Standalone(stream, $"{s}-{i}");
            }
        }

        return day.Events;
    }

    /// <summary>Writes one day of one tenant: a random source seeded by both, and ids derived from both.</summary>
    private sealed class DayWriter(DemoTenant tenant, DateTime date)
    {
        private readonly Random _random = new(Seed($"{tenant.Id}\0{date:yyyy-MM-dd}"));
        private readonly string _date = date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        private int _sequence;

        public List<UsageEvent> Events { get; } = [];

        /// <summary>A day's count around the rate: working days in full, weekends a third, give or take 15%.</summary>
        public int Count(double perWorkday, bool workday) =>
            (int)Math.Round(perWorkday * (workday ? 1 : 0.3) * (0.85 + (_random.NextDouble() * 0.3)));

        /// <summary>One run: its workflow's steps, each call after its permission check, then its outcome.</summary>
        public void Run(DemoRuns runs, string name, int daysAgo)
        {
            var runId = Id("run", name);
            var principal = Principal();
            var trace = Trace();
            var at = WorkingTime();
            var workflow = runs.Workflow;
            for (var step = 0; step < runs.Steps; step++)
            {
                at = at.AddSeconds(1 + _random.Next(20));
                var usage = Call(workflow, at, principal, runId, trace);
                usage.StepId = $"step-{step + 1}";
                usage.AgentId = workflow.Name;
            }

            foreach (var step in runs.Calls)
            {
                var call = step.Trial is { } trial && daysAgo < step.TrialFromDay && _random.NextDouble() < step.TrialShare ? trial : step.Call;
                at = at.AddSeconds(1 + _random.Next(10));
                Audit(call, at, principal, allowed: true, workflow.Name);
                Call(call, at, principal, runId, trace).AgentId = workflow.Name;
            }

            var resolved = _random.NextDouble() < runs.Resolved;
            var outcomeId = $"{runs.OutcomeName}-{_date}-{name}";
            var outcome = Event(UsageKind.Outcome, "telemetry", at.AddMinutes(1 + _random.Next(30)), principal);
            outcome.EventId = OutcomeEventId(tenant.Id, outcomeId);
            outcome.RunId = runId;
            outcome.Status = resolved ? UsageStatus.Ok : UsageStatus.Error;
            outcome.Attributes["outcome_id"] = outcomeId;
            if (resolved)
            {
                outcome.Attributes["value_usd"] = runs.ValueUsd.ToString(CultureInfo.InvariantCulture);
            }
        }

        /// <summary>One call outside any run (or its denial).</summary>
        public void Standalone(DemoStream stream, string name)
        {
            var principal = Principal();
            var at = WorkingTime();
            var allowed = _random.NextDouble() >= stream.DenyRate;
            Audit(stream.Call, at, principal, allowed, "");
            if (allowed)
            {
                Call(stream.Call, at.AddMilliseconds(5), principal, "", Trace());
            }
        }

        private UsageEvent Call(DemoCall call, DateTime at, string principal, string runId, string trace)
        {
            var compute = Between(call.ComputeMin, call.ComputeMax);
            var queue = Between(call.QueueMin, call.QueueMax);
            var usage = Event(call.Event, call.Service, at, principal);
            usage.RunId = runId;
            usage.Resource = call.Name;
            usage.ResourceVersion = call.Version;
            usage.Device = call.Device;
            usage.InputTokens = Between(call.InputMin, call.InputMax);
            usage.OutputTokens = Between(call.OutputMin, call.OutputMax);
            usage.ComputeMs = compute;
            usage.QueueMs = queue;
            usage.TotalMs = compute + queue + 2;
            usage.BatchSize = 1;
            usage.TraceId = trace;
            usage.Status = _random.NextDouble() < call.Success ? UsageStatus.Ok : UsageStatus.Error;
            if (call.PriceClass.Length > 0)
            {
                usage.Attributes["price_class"] = call.PriceClass;
            }

            return usage;
        }

        /// <summary>The permission check before a call, as the service that guards it records it.</summary>
        private void Audit(DemoCall call, DateTime at, string principal, bool allowed, string agent)
        {
            var audit = Event(UsageKind.Audit, call.Service, at.AddMilliseconds(-3), principal);
            audit.Resource = call.Object;
            audit.AgentId = agent;
            audit.Status = allowed ? UsageStatus.Ok : UsageStatus.Denied;
            audit.Attributes["decision"] = allowed ? "allow" : "deny";
            audit.Attributes["relation"] = $"{call.Object}#{(call.Kind == "tool" ? "invoker" : "user")}";
        }

        private UsageEvent Event(UsageKind kind, string service, DateTime at, string principal)
        {
            var usage = new UsageEvent
            {
                EventId = Id("event", (_sequence++).ToString(CultureInfo.InvariantCulture)),
                OccurredAt = Timestamp.FromDateTime(at),
                TenantId = tenant.Id,
                PrincipalId = principal,
                Service = service,
                Kind = kind,
            };
            Events.Add(usage);
            return usage;
        }

        /// <summary>Office hours, 08:00 to 18:00 UTC.</summary>
        private DateTime WorkingTime() => date.AddHours(8).AddSeconds(_random.Next(10 * 3600));

        private string Principal() => tenant.Principals[_random.Next(tenant.Principals.Count)];

        private string Trace() => Convert.ToHexStringLower(BitConverter.GetBytes(_random.NextInt64())) + Convert.ToHexStringLower(BitConverter.GetBytes(_random.NextInt64()));

        private int Between(int min, int max) => max <= min ? min : _random.Next(min, max + 1);

        private string Id(string what, string name) =>
            new Guid(SHA256.HashData(Encoding.UTF8.GetBytes($"vrio-demo\0{tenant.Id}\0{_date}\0{what}\0{name}")).AsSpan(0, 16)).ToString();

        private static int Seed(string text) => BitConverter.ToInt32(SHA256.HashData(Encoding.UTF8.GetBytes(text)), 0);
    }
}

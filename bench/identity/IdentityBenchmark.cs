using System.Diagnostics;
using Grpc.Core;
using Grpc.Net.Client;
using Mesh.Identity.ApiKeys;
using Mesh.Identity.Relations;
using Mesh.Identity.V1;
using Mesh.Security.Tokens;
using Mesh.ServiceDefaults.Calls;
using Microsoft.Extensions.DependencyInjection;

namespace Mesh.Bench;

/// <summary>
/// Permission checks in process and over loopback gRPC (sequential latency, concurrent
/// throughput), the service-side decision (check + budget reservation + settlement), and the
/// per-request cost of validating a token and an API key.
/// </summary>
public sealed class IdentityBenchmark : IBenchmark
{
    private const int Warmup = 2_000;
    private const int Samples = 20_000;
    private const int Concurrency = 32;
    private static readonly TimeSpan WarmUpTime = TimeSpan.FromSeconds(1.5);
    private static readonly TimeSpan ThroughputWindow = TimeSpan.FromSeconds(5);

    public string Name => "identity";

    public string Description => "permission check latency in process and over gRPC, checks/s, authorize+settle, token and API key validation cost";

    public async Task RunAsync(BenchReport report, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(report);
        await using var host = await IdentityBenchHost.StartAsync();
        using var channel = GrpcChannel.ForAddress(host.Address);
        var admin = new Metadata { { "authorization", $"Bearer {IdentityBenchHost.AdminKey}" }, { "x-mesh-tenant", "acme" } };
        var identity = new Identity.V1.Identity.IdentityClient(channel);
        var permissions = new Permissions.PermissionsClient(channel);
        var tokens = new Tokens.TokensClient(channel);

        await identity.CreateTenantAsync(new CreateTenantRequest { Id = "acme", AdminUser = "admin" }, admin, cancellationToken: cancellationToken);
        await identity.CreatePrincipalAsync(new CreatePrincipalRequest { Id = "carol" }, admin, cancellationToken: cancellationToken);
        var carolKey = (await identity.CreateApiKeyAsync(new CreateApiKeyRequest { PrincipalId = "carol" }, admin, cancellationToken: cancellationToken)).ApiKey;
        await SeedRelationsAsync(permissions, admin, cancellationToken);
        var carol = new Metadata { { "authorization", $"Bearer {carolKey}" } };
        var token = (await tokens.IssueTokenAsync(new IssueTokenRequest { Actor = "assistant" }, carol, cancellationToken: cancellationToken)).Token;
        var carolToken = new Metadata { { "authorization", $"Bearer {token}" } };

        var engine = host.App.Services.GetRequiredService<PermissionEngine>();
        var subject = new CheckSubject("acme", new ObjectRef("user", "carol"), IsMeshAdmin: false, IsCaller: true);
        var restricted = new ObjectRef("tool", "tool-0042");
        if (!engine.Check(subject, restricted, "invoker").Allowed)
        {
            throw new InvalidOperationException("the seeded group relation should allow carol");
        }

        report.Note("in process: a check on a restricted tool that carol may invoke through group:ml#member");
        Figures(report, "check_inproc", Measure(() => engine.Check(subject, restricted, "invoker")), micro: true);
        report.Note("in process: a check on an open tool (no relations) and a denied one");
        Figures(report, "check_open_inproc", Measure(() => engine.Check(subject, new ObjectRef("tool", "calculator"), "invoker")), micro: true);
        Figures(report, "check_denied_inproc", Measure(() => engine.Check(subject, new ObjectRef("tool", "tool-0007"), "invoker")), micro: true);
        report.Figure("check_inproc_per_s", Throughput(() => engine.Check(subject, restricted, "invoker")), "0");

        var request = new CheckRequest { Object = "tool:tool-0042", Relation = "invoker" };
        report.Note("the ceiling, in the same run: a bare Grpc.AspNetCore unary call (health check, no interceptors) on the same loopback");
        await using var bare = await BareGrpcHost.StartAsync();
        using var bareChannel = GrpcChannel.ForAddress(bare.Address);
        var health = new Grpc.Health.V1.Health.HealthClient(bareChannel);
        report.Note("against it, over loopback gRPC, one caller at a time: the check authenticated with a token (signature verified once, claims every call)");
        var (baseline, check, rounds) = await AlternateAsync(
            () => health.CheckAsync(new Grpc.Health.V1.HealthCheckRequest(), cancellationToken: cancellationToken).ResponseAsync,
            () => permissions.CheckAsync(request, carolToken, cancellationToken: cancellationToken).ResponseAsync);
        Figures(report, "grpc_baseline", baseline, micro: false);
        Figures(report, "check_grpc", check, micro: false);
        var ratios = rounds.Select(r => r.Measured / r.Baseline).ToList();
        report.Note($"per round, baseline p50 ms: {BenchReport.Join([.. rounds.Select(r => r.Baseline)], "0.000")}");
        report.Note($"per round, check p50 ms:    {BenchReport.Join([.. rounds.Select(r => r.Measured)], "0.000")}");
        report.Note($"check p50 / baseline p50 per round: {BenchReport.Join(ratios, "0.00")}");
        report.Figure("check_vs_grpc_baseline_p50_ratio", BenchReport.Median(ratios), "0.00");
        report.Note("over loopback gRPC with an API key (SHA-256 digest lookup per call)");
        Figures(report, "check_grpc_api_key", await MeasureAsync(() => permissions.CheckAsync(request, carol, cancellationToken: cancellationToken).ResponseAsync), micro: false);
        report.Figure("check_grpc_per_s", await ThroughputAsync(() => permissions.CheckAsync(request, carolToken, cancellationToken: cancellationToken).ResponseAsync, cancellationToken), "0");

        await AuthorizeFiguresAsync(report, channel, cancellationToken);
        TokenFigures(report, host, token, carolKey);
    }

    private static async Task SeedRelationsAsync(Permissions.PermissionsClient permissions, Metadata admin, CancellationToken cancellationToken)
    {
        var write = new WriteRelationsRequest();
        for (var i = 0; i < 1_000; i++)
        {
            write.Relations.Add(new Relation { Object = $"tool:tool-{i:0000}", Relation_ = "invoker", Subject = i % 2 == 0 ? "group:ml#member" : $"user:user-{i}" });
        }

        for (var i = 0; i < 200; i++)
        {
            write.Relations.Add(new Relation { Object = "group:ml", Relation_ = "member", Subject = $"user:member-{i}" });
        }

        write.Relations.Add(new Relation { Object = "group:ml", Relation_ = "member", Subject = "user:carol" });
        await permissions.WriteRelationsAsync(write, admin, cancellationToken: cancellationToken);
    }

    private static async Task AuthorizeFiguresAsync(BenchReport report, GrpcChannel channel, CancellationToken cancellationToken)
    {
        var service = new Metadata { { "authorization", $"Bearer {IdentityBenchHost.AdminKey}" } };
        var permissions = new Permissions.PermissionsClient(channel);
        var budgets = new Budgets.BudgetsClient(channel);
        var authorize = new AuthorizeRequest
        {
            Subject = new Subject { TenantId = "acme", PrincipalId = "carol", Kind = "user" },
            Object = "tool:calculator",
            Relation = "invoker",
            MaxCostUsd = "0.0001",
        };
        report.Note("the service-side decision over gRPC, no budget set: check only");
        Figures(report, "authorize_grpc", await MeasureAsync(() => permissions.AuthorizeAsync(authorize, service, cancellationToken: cancellationToken).ResponseAsync, samples: 5_000), micro: false);

        await budgets.SetBudgetAsync(new SetBudgetRequest { CostLimitUsd = "1000000" }, new Metadata { { "authorization", $"Bearer {IdentityBenchHost.AdminKey}" }, { "x-mesh-tenant", "acme" } },
            cancellationToken: cancellationToken);
        report.Note("with a tenant budget: check + atomic reservation (SQLite write transaction), then settlement");
        Figures(report, "authorize_settle_grpc", await MeasureAsync(async () =>
        {
            var decision = await permissions.AuthorizeAsync(authorize, service, cancellationToken: cancellationToken);
            await budgets.SettleAsync(new SettleRequest { ReservationId = decision.ReservationId, CostUsd = "0.0001" }, service, cancellationToken: cancellationToken);
        }, samples: 2_000), micro: false);
    }

    private static void TokenFigures(BenchReport report, IdentityBenchHost host, string token, string apiKey)
    {
        var services = host.App.Services;
        var validator = services.GetRequiredService<TokenValidator>();
        var verifier = services.GetRequiredService<ApiKeyVerifier>();
        var issuer = services.GetRequiredService<Mesh.Identity.Tokens.TokenIssuer>();
        report.Note("per request: validating a token the first time (ES256 verify + claims) and again (signature already verified), an API key (digest lookup in SQLite), issuing a token");
        var grant = new Mesh.Identity.Tokens.TokenGrant("carol", "acme", PrincipalKind.User, "assistant", AccessScope.Unrestricted, [], null);
        const int FirstSamples = 5_000;
        var fresh = Enumerable.Range(0, Warmup + FirstSamples).Select(_ => issuer.Issue(grant).Token).ToArray();
        var next = 0;
        Figures(report, "token_validate_first", Measure(() => validator.ValidateAsync(fresh[next++], CancellationToken.None).AsTask().GetAwaiter().GetResult(), FirstSamples), micro: true);
        Figures(report, "token_validate_repeat", Measure(() => validator.ValidateAsync(token, CancellationToken.None).AsTask().GetAwaiter().GetResult()), micro: true);
        Figures(report, "api_key_verify", Measure(() => verifier.Verify(apiKey)), micro: true);
        Figures(report, "token_issue", Measure(() => issuer.Issue(grant), samples: 5_000), micro: true);
    }

    private static List<double> Measure<T>(Func<T> action, int samples = Samples)
    {
        for (var i = 0; i < Warmup; i++)
        {
            action();
        }

        var times = new List<double>(samples);
        for (var i = 0; i < samples; i++)
        {
            var started = Stopwatch.GetTimestamp();
            action();
            times.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }

        times.Sort();
        return times;
    }

    private static async Task<List<double>> MeasureAsync(Func<Task> action, int samples = Samples)
    {
        for (var i = 0; i < Warmup / 4; i++)
        {
            await action();
        }

        var times = new List<double>(samples);
        await TimeAsync(action, samples, times);
        times.Sort();
        return times;
    }

    /// <summary>
    /// The ceiling and the call judged against it, measured in turns of a few calls each, so a
    /// machine that slows down or speeds up meanwhile weighs on both, after both ran long enough
    /// for the JIT to finish their optimized code, as in a long-running service. Returns every
    /// sample of each (sorted) and the medians of both in each round.
    /// </summary>
    private static async Task<(List<double> Baseline, List<double> Measured, List<(double Baseline, double Measured)> Rounds)> AlternateAsync(Func<Task> baseline, Func<Task> measured)
    {
        const int Rounds = 7;
        foreach (var call in new[] { baseline, measured, baseline, measured })
        {
            for (var warm = Stopwatch.StartNew(); warm.Elapsed < WarmUpTime;)
            {
                await call();
            }
        }

        // Within a round the two take turns every few calls, so a change in how the machine
        // schedules the two cores (an idle core waking late, say) falls on both alike.
        const int Block = 50;
        var (all, allMeasured, rounds) = (new List<double>(), new List<double>(), new List<(double, double)>());
        // Round -1 is not kept: it warms the turn-taking loop itself.
        for (var round = -1; round < Rounds; round++)
        {
            var (ceiling, judged) = (new List<double>(), new List<double>());
            while (judged.Count < Samples / Rounds)
            {
                await TimeAsync(baseline, Block, ceiling);
                await TimeAsync(measured, Block, judged);
            }

            if (round < 0)
            {
                continue;
            }

            ceiling.Sort();
            judged.Sort();
            rounds.Add((BenchReport.Percentile(ceiling, 50), BenchReport.Percentile(judged, 50)));
            all.AddRange(ceiling);
            allMeasured.AddRange(judged);
        }

        all.Sort();
        allMeasured.Sort();
        return (all, allMeasured, rounds);
    }

    /// <summary>Calls <paramref name="action"/> <paramref name="count"/> times, adding each call's milliseconds to <paramref name="times"/>.</summary>
    private static async Task TimeAsync(Func<Task> action, int count, List<double> times)
    {
        for (var i = 0; i < count; i++)
        {
            var started = Stopwatch.GetTimestamp();
            await action();
            times.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
    }

    private static double Throughput<T>(Func<T> action)
    {
        var count = 0L;
        var started = Stopwatch.StartNew();
        while (started.Elapsed < ThroughputWindow / 2)
        {
            action();
            count++;
        }

        return count / started.Elapsed.TotalSeconds;
    }

    private static async Task<double> ThroughputAsync(Func<Task> action, CancellationToken cancellationToken)
    {
        var count = 0L;
        var started = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, Concurrency).Select(async _ =>
        {
            while (started.Elapsed < ThroughputWindow && !cancellationToken.IsCancellationRequested)
            {
                await action();
                Interlocked.Increment(ref count);
            }
        });
        await Task.WhenAll(workers);
        return count / started.Elapsed.TotalSeconds;
    }

    private static void Figures(BenchReport report, string name, List<double> sortedMs, bool micro)
    {
        var (unit, scale) = micro ? ("us", 1000.0) : ("ms", 1.0);
        report.Figure($"{name}_p50_{unit}", BenchReport.Percentile(sortedMs, 50) * scale);
        report.Figure($"{name}_p99_{unit}", BenchReport.Percentile(sortedMs, 99) * scale);
    }
}

using System.Globalization;
using Google.Protobuf;
using Grpc.Core;
using Mesh.Metering.Calls;
using Mesh.Pricing;
using Mesh.ServiceDefaults.Errors;
using Mesh.Tools.V1;
using Microsoft.Extensions.Options;

namespace Mesh.Tools.Idempotency;

/// <summary>
/// Runs a tool call at most once per idempotency key and tenant. The call first claims the key
/// (one write transaction), runs, and stores its outcome under the key before it answers; a
/// repeat with the same tool, version and arguments gets that outcome back with
/// <c>replayed = true</c>, the same key for a different call is FailedPrecondition, and a repeat
/// while the first call still runs is Aborted. An outcome is stored when the call reached one (a
/// result, or an error the tool or its limits decided); a call that reached none (the caller
/// went away, the service failed) gives its key back, so a retry runs.
/// </summary>
public sealed partial class IdempotentCalls(IIdempotencyStore store, IOptions<IdempotencyOptions> options, TimeProvider time, ILogger<IdempotentCalls> logger)
{
    /// <summary>Trailer on an error answered from an earlier call's stored outcome.</summary>
    public const string ReplayedTrailer = "x-mesh-replayed";

    /// <summary>The price class of calls answered from the store: the tool did not run again.</summary>
    public const string ReplayPriceClass = "tool-replay";

    /// <summary>Statuses a tool's run decides (stored and replayed); any other failure gives the key back.</summary>
    private static readonly HashSet<StatusCode> Decided =
        [StatusCode.InvalidArgument, StatusCode.FailedPrecondition, StatusCode.DeadlineExceeded, StatusCode.OutOfRange, StatusCode.ResourceExhausted, StatusCode.NotFound, StatusCode.PermissionDenied];

    /// <summary>Runs <paramref name="run"/> once for <paramref name="call"/>, or answers what its first run stored.</summary>
    public async Task<InvokeToolResponse> RunOnceAsync(IdempotentCall call, Func<Task<InvokeToolResponse>> run, CancellationToken callCancelled)
    {
        ArgumentNullException.ThrowIfNull(call);
        ArgumentNullException.ThrowIfNull(run);
        var now = time.GetUtcNow();
        var earlier = await store.PeekAsync(call.Tenant, call.Key, call.Fingerprint, now, callCancelled);
        if (earlier is not null)
        {
            return Answer(call, earlier);
        }

        var claimId = Guid.NewGuid().ToString("N");
        var claim = await store.ClaimAsync(new IdempotencyClaimRequest(call.Tenant, call.Key, call.Fingerprint, call.Tool, claimId,
            now + call.Timeout + options.Value.ClaimGrace, now + options.Value.Retention), now, callCancelled);
        if (claim.State != ClaimState.Claimed)
        {
            return Answer(call, claim);
        }

        if (claim.TakenOver)
        {
            LogTakenOver(logger, call.Tenant, call.Key, call.Tool);
        }

        InvokeToolResponse response;
        try
        {
            callCancelled.ThrowIfCancellationRequested();
            response = await run();
        }
        catch (RpcException ex) when (Decided.Contains(ex.StatusCode) && !callCancelled.IsCancellationRequested)
        {
            var field = ex.Trailers.GetValue(MeshErrors.FieldTrailer) ?? "";
            await StoreAsync(call, claimId, new StoredOutcome((int)ex.StatusCode, ex.Status.Detail, field, []));
            throw;
        }
        catch
        {
            // Given back whether or not the caller is still there: the next call with the key must run.
            await store.ReleaseAsync(call.Tenant, call.Key, claimId, CancellationToken.None);
            throw;
        }

        await StoreAsync(call, claimId, new StoredOutcome(0, "", "", response.ToByteArray()));
        return response;
    }

    /// <summary>Stores the outcome the effect reached; not cancelled by the caller leaving, since the effect happened.</summary>
    private async Task StoreAsync(IdempotentCall call, string claimId, StoredOutcome outcome)
    {
        var now = time.GetUtcNow();
        if (!await store.CompleteAsync(call.Tenant, call.Key, claimId, outcome, now, now + options.Value.Retention, CancellationToken.None))
        {
            // The claim lapsed while the call ran far past its timeout and another call took the key.
            LogClaimLost(logger, call.Tenant, call.Key, call.Tool);
        }
    }

    /// <summary>Answers from the record an earlier call left; metered at the replay price, since the tool does not run.</summary>
    private InvokeToolResponse Answer(IdempotentCall call, IdempotencyClaim claim)
    {
        if (UsageScope.Current?.Event is { } usage)
        {
            usage.Attributes["idempotency"] = claim.State == ClaimState.Completed ? "replayed" : claim.State.ToString().ToLowerInvariant();
            usage.Attributes[PriceCatalog.PriceClassAttribute] = ReplayPriceClass;
        }

        switch (claim.State)
        {
            case ClaimState.Mismatch:
                throw MeshErrors.FailedPrecondition(
                    $"idempotency_key '{call.Key}' was used for another call (tool '{claim.Tool}' with other arguments or version); "
                    + "a key names one call: use a new key for a different call");
            case ClaimState.Running:
                var retryMs = Math.Max(1, (long)(claim.RunningUntil!.Value - time.GetUtcNow()).TotalMilliseconds);
                throw new RpcException(new Status(StatusCode.Aborted,
                    $"a call with idempotency_key '{call.Key}' is still running; retry when it has finished (at most {retryMs.ToString(CultureInfo.InvariantCulture)} ms)"));
            case ClaimState.Completed:
                return Replay(claim.Outcome!);
            default:
                throw new InvalidOperationException($"unexpected idempotency state {claim.State}");
        }
    }

    private static InvokeToolResponse Replay(StoredOutcome outcome)
    {
        if (outcome.Status != 0)
        {
            var trailers = new Metadata { { ReplayedTrailer, "true" } };
            if (outcome.Field.Length > 0)
            {
                trailers.Add(MeshErrors.FieldTrailer, outcome.Field);
            }

            throw new RpcException(new Status((StatusCode)outcome.Status, outcome.Detail), trailers);
        }

        var response = InvokeToolResponse.Parser.ParseFrom(outcome.Response);
        response.Replayed = true;
        UsageScope.Current?.SetResource(response.Tool, response.Version);
        return response;
    }

    [LoggerMessage(EventId = 10, Level = LogLevel.Warning, Message = "Idempotency key {Key} of tenant {Tenant} (tool {Tool}) was held by a call that never finished; running it again")]
    private static partial void LogTakenOver(ILogger logger, string tenant, string key, string tool);

    [LoggerMessage(EventId = 11, Level = LogLevel.Error, Message = "Idempotency key {Key} of tenant {Tenant} (tool {Tool}) was taken by another call before this one stored its outcome")]
    private static partial void LogClaimLost(ILogger logger, string tenant, string key, string tool);
}

/// <summary>One call under an idempotency key: whose, which key, what it is, how long it may take.</summary>
public sealed record IdempotentCall(string Tenant, string Key, string Tool, byte[] Fingerprint, TimeSpan Timeout);

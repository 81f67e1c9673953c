using Npgsql;

namespace Mesh.Agents.Runs.Store.Postgres;

public sealed partial class PostgresRunStore
{
    private const string InsertEvent = "INSERT INTO run_events(run_id, seq, at, type, step, data) VALUES ($1, $2, $3, $4, $5, $6)";

    public Task<StoredWorkflow> CreateWorkflowAsync(string tenant, string name, string definitionJson, string digest, string createdBy, long now, CancellationToken cancellationToken) =>
        WriteAsync(async (c, t) =>
        {
            var version = (await QueryAsync(c, t, "SELECT coalesce(max(version), 0) + 1 FROM workflows WHERE tenant = $1 AND name = $2", r => r.GetInt32(0), cancellationToken, tenant, name)).Single();
            await RunAsync(c, t, "INSERT INTO workflows(tenant, name, version, definition, digest, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                cancellationToken, tenant, name, version, definitionJson, digest, createdBy, now);
            return new StoredWorkflow(tenant, name, version, definitionJson, digest, createdBy, now) { LatestVersion = version };
        }, cancellationToken);

    public async Task<StoredWorkflow?> GetWorkflowAsync(string tenant, string name, int version, CancellationToken cancellationToken)
    {
        var rows = version > 0
            ? await QueryAsync($"SELECT {RunRows.WorkflowColumns} FROM workflows w WHERE tenant = $1 AND name = $2 AND version = $3", RunRows.ReadWorkflow, cancellationToken, tenant, name, version)
            : await QueryAsync($"SELECT {RunRows.WorkflowColumns} FROM workflows w WHERE tenant = $1 AND name = $2 ORDER BY version DESC LIMIT 1", RunRows.ReadWorkflow, cancellationToken, tenant, name);
        return rows.FirstOrDefault();
    }

    public async Task<IReadOnlyList<StoredWorkflow>> ListWorkflowsAsync(string tenant, CancellationToken cancellationToken) =>
        await QueryAsync("""
            SELECT DISTINCT ON (name) tenant, name, version, definition, digest, created_by, created_at, version FROM workflows
            WHERE tenant = $1 ORDER BY name, version DESC
            """, RunRows.ReadWorkflow, cancellationToken, tenant);

    public Task<(RunRecord Run, bool Created)> CreateRunAsync(RunRecord run, IReadOnlyList<NewEvent> events, CancellationToken cancellationToken) =>
        WriteAsync(async (c, t) =>
        {
            if (run.ClientRequestId is not null)
            {
                var existing = await QueryAsync(c, t, $"SELECT {RunRows.RunColumns} FROM runs WHERE tenant = $1 AND client_request_id = $2", RunRows.ReadRun, cancellationToken, run.Tenant, run.ClientRequestId);
                if (existing.Count > 0)
                {
                    return (existing[0], false);
                }
            }

            var stored = run with { LastSeq = events.Count };
            await InsertRunAsync(c, t, stored, events, cancellationToken);
            return (stored, true);
        }, cancellationToken);

    private static async Task InsertRunAsync(NpgsqlConnection c, NpgsqlTransaction t, RunRecord run, IReadOnlyList<NewEvent> events, CancellationToken cancellationToken)
    {
        await RunAsync(c, t, RunRows.InsertRunSql, cancellationToken, RunRows.RunValues(run));
        for (var i = 0; i < events.Count; i++)
        {
            await RunAsync(c, t, InsertEvent, cancellationToken, run.Id, i + 1, run.CreatedAt, events[i].Type, events[i].Step, events[i].Data);
        }
    }

    public async Task<RunRecord?> FindByRequestAsync(string tenant, string clientRequestId, CancellationToken cancellationToken) =>
        (await QueryAsync($"SELECT {RunRows.RunColumns} FROM runs WHERE tenant = $1 AND client_request_id = $2", RunRows.ReadRun, cancellationToken, tenant, clientRequestId)).FirstOrDefault();

    public async Task<RunRecord?> GetRunAsync(string runId, CancellationToken cancellationToken) =>
        (await QueryAsync($"SELECT {RunRows.RunColumns} FROM runs WHERE id = $1", RunRows.ReadRun, cancellationToken, runId)).FirstOrDefault();

    public async Task<IReadOnlyList<RunRecord>> ListRunsAsync(string tenant, string? workflow, RunState? status, string? beforeId, int limit, CancellationToken cancellationToken) =>
        await QueryAsync($"""
            SELECT {RunRows.RunColumns} FROM runs
            WHERE tenant = $1 AND ($2::text IS NULL OR workflow = $2) AND ($3::text IS NULL OR status = $3) AND ($4::text IS NULL OR id < $4)
            ORDER BY id DESC LIMIT $5
            """, RunRows.ReadRun, cancellationToken, tenant, workflow, status is { } s ? RunRows.Status(s) : null, beforeId, limit);

    public async Task<IReadOnlyList<StoredEvent>> ReadEventsAsync(string runId, int afterSeq, int limit, CancellationToken cancellationToken) =>
        await QueryAsync("SELECT seq, at, type, step, data FROM run_events WHERE run_id = $1 AND seq > $2 ORDER BY seq LIMIT $3",
            r => new StoredEvent(r.GetInt32(0), r.GetInt64(1), r.GetString(2), r.GetString(3), r.GetString(4)), cancellationToken, runId, afterSeq, limit);

    public Task<CommitOutcome> CommitAsync(RunCommit commit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(commit);
        return WriteAsync(async (c, t) =>
        {
            var u = commit.Update;
            var changed = await RunAsync(c, t, """
                UPDATE runs SET status = $4, cursor = $5, steps_done = steps_done + $6, waiting_for = $7, wake_at = $8,
                    output = coalesce($9, output), error_code = coalesce($10, error_code), error_message = coalesce($11, error_message),
                    error_step = coalesce($12, error_step), last_seq = last_seq + $13, updated_at = $14,
                    lease_owner = CASE WHEN $15 THEN '' ELSE lease_owner END, lease_expires = CASE WHEN $15 THEN 0 ELSE lease_expires END
                WHERE id = $1 AND lease_owner = $2 AND fence = $3 AND last_seq = $16
                """, cancellationToken,
                commit.RunId, commit.Owner, commit.Fence, RunRows.Status(u.Status), u.Cursor, u.StepsDelta, u.WaitingFor, u.WakeAt, u.OutputJson, u.ErrorCode,
                u.ErrorMessage, u.ErrorStep, commit.Events.Count, commit.Now, u.ReleaseLease, commit.ExpectedSeq);
            if (changed == 0)
            {
                var held = await QueryAsync(c, t, "SELECT lease_owner = $2 AND fence = $3 FROM runs WHERE id = $1", r => r.GetBoolean(0), cancellationToken, commit.RunId, commit.Owner, commit.Fence);
                return held is [true] ? CommitOutcome.Conflict : CommitOutcome.Fenced;
            }

            await using var batch = new NpgsqlBatch(c, t);
            for (var i = 0; i < commit.Events.Count; i++)
            {
                var e = commit.Events[i];
                batch.BatchCommands.Add(Statement(InsertEvent, commit.RunId, commit.ExpectedSeq + i + 1, commit.Now, e.Type, e.Step, e.Data));
            }

            foreach (var (hash, content) in commit.Blobs)
            {
                batch.BatchCommands.Add(Statement("INSERT INTO blobs(hash, content) VALUES ($1, $2) ON CONFLICT DO NOTHING", hash, content));
            }

            foreach (var usage in commit.Usage)
            {
                batch.BatchCommands.Add(Statement("INSERT INTO run_usage(event_id, run_id, payload) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING", usage.EventId, usage.RunId, usage.Payload));
            }

            if (batch.BatchCommands.Count > 0)
            {
                await batch.ExecuteNonQueryAsync(cancellationToken);
            }

            foreach (var (child, events) in commit.Children)
            {
                if ((await QueryAsync(c, t, "SELECT 1 FROM runs WHERE id = $1", r => 1, cancellationToken, child.Id)).Count == 0)
                {
                    await InsertRunAsync(c, t, child with { LastSeq = events.Count }, events, cancellationToken);
                }
            }

            if (commit.Parent is { } notice)
            {
                var seq = await QueryAsync(c, t, """
                    UPDATE runs SET last_seq = last_seq + 1, updated_at = $2, wake_at = $2,
                        status = CASE WHEN status = 'waiting' THEN 'running' ELSE status END, waiting_for = CASE WHEN status = 'waiting' THEN '' ELSE waiting_for END
                    WHERE id = $1 AND status IN ('pending', 'running', 'waiting') RETURNING last_seq
                    """, r => r.GetInt32(0), cancellationToken, notice.ParentRunId, commit.Now);
                if (seq is [var next])
                {
                    await RunAsync(c, t, InsertEvent, cancellationToken, notice.ParentRunId, next, commit.Now, notice.Event.Type, notice.Event.Step, notice.Event.Data);
                }
            }

            return CommitOutcome.Committed;
        }, cancellationToken);
    }

    private static NpgsqlBatchCommand Statement(string sql, params object?[] values)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var value in values)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value ?? DBNull.Value });
        }

        return command;
    }

    public async Task<IReadOnlyList<ClaimedRun>> ClaimAsync(string owner, long now, long leaseUntil, int max, CancellationToken cancellationToken) =>
        await QueryAsync("""
            UPDATE runs SET lease_owner = $1, lease_expires = $3, fence = fence + 1
            WHERE id IN (
                SELECT id FROM runs
                WHERE status IN ('pending', 'running', 'waiting') AND lease_expires < $2
                  AND (status <> 'waiting' OR (wake_at IS NOT NULL AND wake_at <= $2) OR cancel_requested)
                ORDER BY coalesce(wake_at, 0), id LIMIT $4 FOR UPDATE SKIP LOCKED)
            RETURNING id, fence
            """, r => new ClaimedRun(r.GetString(0), r.GetInt64(1)), cancellationToken, owner, now, leaseUntil, max);

    public async Task<IReadOnlyList<LeaseState>> RenewAsync(string owner, IReadOnlyCollection<string> runIds, long leaseUntil, CancellationToken cancellationToken)
    {
        var ids = runIds.ToArray();
        var held = (await QueryAsync("UPDATE runs SET lease_expires = $3 WHERE id = ANY($1) AND lease_owner = $2 RETURNING id, cancel_requested",
            r => (r.GetString(0), r.GetBoolean(1)), cancellationToken, ids, owner, leaseUntil)).ToDictionary(x => x.Item1, x => x.Item2, StringComparer.Ordinal);
        return [.. ids.Select(id => new LeaseState(id, held.ContainsKey(id), held.GetValueOrDefault(id)))];
    }

    public async Task ReleaseAsync(string runId, string owner, long fence, CancellationToken cancellationToken)
    {
        await using var connection = await _source.OpenConnectionAsync(cancellationToken);
        await RunAsync(connection, null, "UPDATE runs SET lease_owner = '', lease_expires = 0 WHERE id = $1 AND lease_owner = $2 AND fence = $3", cancellationToken, runId, owner, fence);
    }

    public Task<SignalOutcome> SignalAsync(string runId, string signal, NewEvent signalEvent, long now, CancellationToken cancellationToken) =>
        WriteAsync(async (c, t) =>
        {
            var seq = await QueryAsync(c, t, """
                UPDATE runs SET last_seq = last_seq + 1, status = 'running', waiting_for = '', wake_at = $3, updated_at = $3
                WHERE id = $1 AND status = 'waiting' AND waiting_for = $2 RETURNING last_seq
                """, r => r.GetInt32(0), cancellationToken, runId, "signal:" + signal, now);
            if (seq is not [var next])
            {
                return (await QueryAsync(c, t, "SELECT 1 FROM runs WHERE id = $1", r => 1, cancellationToken, runId)).Count == 0 ? SignalOutcome.NotFound : SignalOutcome.NotWaiting;
            }

            await RunAsync(c, t, InsertEvent, cancellationToken, runId, next, now, signalEvent.Type, signalEvent.Step, signalEvent.Data);
            return SignalOutcome.Delivered;
        }, cancellationToken);

    public async Task<bool> RequestCancelAsync(string runId, string reason, long now, CancellationToken cancellationToken)
    {
        await using var connection = await _source.OpenConnectionAsync(cancellationToken);
        return await RunAsync(connection, null, """
            WITH RECURSIVE tree(id) AS (SELECT $1::text UNION SELECT r.id FROM runs r JOIN tree ON r.parent_run_id = tree.id)
            UPDATE runs SET cancel_requested = true, cancel_reason = $2, updated_at = $3,
                wake_at = CASE WHEN status = 'waiting' THEN $3 ELSE wake_at END
            WHERE id IN (SELECT id FROM tree) AND status IN ('pending', 'running', 'waiting')
            """, cancellationToken, runId, reason, now) > 0;
    }

    public async Task<byte[]?> GetBlobAsync(string hash, CancellationToken cancellationToken) =>
        (await QueryAsync("SELECT content FROM blobs WHERE hash = $1", r => (byte[])r.GetValue(0), cancellationToken, hash)).FirstOrDefault();

    public async Task<IReadOnlyList<UsageRecord>> UsageToPublishAsync(long? since, int limit, CancellationToken cancellationToken) =>
        await QueryAsync("SELECT event_id, run_id, payload FROM run_usage WHERE published_at IS NULL OR published_at >= $1 ORDER BY id LIMIT $2",
            r => new UsageRecord(r.GetString(0), r.GetString(1), (byte[])r.GetValue(2)), cancellationToken, since ?? long.MaxValue, limit);

    public async Task MarkPublishedAsync(IReadOnlyList<string> eventIds, long now, CancellationToken cancellationToken)
    {
        await using var connection = await _source.OpenConnectionAsync(cancellationToken);
        await RunAsync(connection, null, "UPDATE run_usage SET published_at = $2 WHERE event_id = ANY($1)", cancellationToken, eventIds.ToArray(), now);
    }
}

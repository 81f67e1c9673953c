using Microsoft.Data.Sqlite;

namespace Mesh.Agents.Runs.Store.Sqlite;

public sealed partial class SqliteRunStore
{
    public Task<StoredWorkflow> CreateWorkflowAsync(string tenant, string name, string definitionJson, string digest, string createdBy, long now, CancellationToken cancellationToken) =>
        _writer.WriteAsync((c, t) =>
        {
            var version = Query(c, t, "SELECT coalesce(max(version), 0) + 1 FROM workflows WHERE tenant = $1 AND name = $2", r => r.GetInt32(0), tenant, name).Single();
            Run(c, t, "INSERT INTO workflows(tenant, name, version, definition, digest, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                tenant, name, version, definitionJson, digest, createdBy, now);
            return new StoredWorkflow(tenant, name, version, definitionJson, digest, createdBy, now) { LatestVersion = version };
        }, cancellationToken);

    public Task<StoredWorkflow?> GetWorkflowAsync(string tenant, string name, int version, CancellationToken cancellationToken)
    {
        using var c = OpenRead();
        var rows = version > 0
            ? Query(c, null, $"SELECT {RunRows.WorkflowColumns} FROM workflows w WHERE tenant = $1 AND name = $2 AND version = $3", RunRows.ReadWorkflow, tenant, name, version)
            : Query(c, null, $"SELECT {RunRows.WorkflowColumns} FROM workflows w WHERE tenant = $1 AND name = $2 ORDER BY version DESC LIMIT 1", RunRows.ReadWorkflow, tenant, name);
        return Task.FromResult(rows.FirstOrDefault());
    }

    public Task<IReadOnlyList<StoredWorkflow>> ListWorkflowsAsync(string tenant, CancellationToken cancellationToken)
    {
        using var c = OpenRead();
        IReadOnlyList<StoredWorkflow> rows = Query(c, null, """
            SELECT tenant, name, version, definition, digest, created_by, created_at, version FROM workflows w
            WHERE tenant = $1 AND version = (SELECT max(version) FROM workflows l WHERE l.tenant = w.tenant AND l.name = w.name) ORDER BY name
            """, RunRows.ReadWorkflow, tenant);
        return Task.FromResult(rows);
    }

    public Task<(RunRecord Run, bool Created)> CreateRunAsync(RunRecord run, IReadOnlyList<NewEvent> events, CancellationToken cancellationToken) =>
        _writer.WriteAsync((c, t) =>
        {
            if (run.ClientRequestId is not null)
            {
                var existing = Query(c, t, $"SELECT {RunRows.RunColumns} FROM runs WHERE tenant = $1 AND client_request_id = $2", RunRows.ReadRun, run.Tenant, run.ClientRequestId);
                if (existing.Count > 0)
                {
                    return (existing[0], false);
                }
            }

            var stored = run with { LastSeq = events.Count };
            InsertRun(c, t, stored, events);
            return (stored, true);
        }, cancellationToken);

    private static void InsertRun(SqliteConnection c, SqliteTransaction t, RunRecord run, IReadOnlyList<NewEvent> events)
    {
        Run(c, t, RunRows.InsertRunSql, RunRows.RunValues(run));
        for (var i = 0; i < events.Count; i++)
        {
            Run(c, t, "INSERT INTO run_events(run_id, seq, at, type, step, data) VALUES ($1, $2, $3, $4, $5, $6)",
                run.Id, i + 1, run.CreatedAt, events[i].Type, events[i].Step, events[i].Data);
        }
    }

    public Task<RunRecord?> FindByRequestAsync(string tenant, string clientRequestId, CancellationToken cancellationToken)
    {
        using var c = OpenRead();
        return Task.FromResult(Query(c, null, $"SELECT {RunRows.RunColumns} FROM runs WHERE tenant = $1 AND client_request_id = $2", RunRows.ReadRun, tenant, clientRequestId).FirstOrDefault());
    }

    public Task<RunRecord?> GetRunAsync(string runId, CancellationToken cancellationToken)
    {
        using var c = OpenRead();
        return Task.FromResult(Query(c, null, $"SELECT {RunRows.RunColumns} FROM runs WHERE id = $1", RunRows.ReadRun, runId).FirstOrDefault());
    }

    public Task<IReadOnlyList<RunRecord>> ListRunsAsync(string tenant, string? workflow, RunState? status, string? beforeId, int limit, CancellationToken cancellationToken)
    {
        using var c = OpenRead();
        IReadOnlyList<RunRecord> rows = Query(c, null, $"""
            SELECT {RunRows.RunColumns} FROM runs
            WHERE tenant = $1 AND ($2 IS NULL OR workflow = $2) AND ($3 IS NULL OR status = $3) AND ($4 IS NULL OR id < $4)
            ORDER BY id DESC LIMIT $5
            """, RunRows.ReadRun, tenant, workflow, status is { } s ? RunRows.Status(s) : null, beforeId, limit);
        return Task.FromResult(rows);
    }

    public Task<IReadOnlyList<StoredEvent>> ReadEventsAsync(string runId, int afterSeq, int limit, CancellationToken cancellationToken)
    {
        using var c = OpenRead();
        IReadOnlyList<StoredEvent> rows = Query(c, null, "SELECT seq, at, type, step, data FROM run_events WHERE run_id = $1 AND seq > $2 ORDER BY seq LIMIT $3",
            r => new StoredEvent(r.GetInt32(0), r.GetInt64(1), r.GetString(2), r.GetString(3), r.GetString(4)), runId, afterSeq, limit);
        return Task.FromResult(rows);
    }

    public Task<CommitOutcome> CommitAsync(RunCommit commit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(commit);
        return _writer.WriteAsync((c, t) => Apply(c, t, commit), cancellationToken);
    }

    private static CommitOutcome Apply(SqliteConnection c, SqliteTransaction t, RunCommit commit)
    {
        var u = commit.Update;
        var changed = Run(c, t, """
            UPDATE runs SET status = $4, cursor = $5, steps_done = steps_done + $6, waiting_for = $7, wake_at = $8,
                output = coalesce($9, output), error_code = coalesce($10, error_code), error_message = coalesce($11, error_message),
                error_step = coalesce($12, error_step), last_seq = last_seq + $13, updated_at = $14,
                lease_owner = CASE WHEN $15 THEN '' ELSE lease_owner END, lease_expires = CASE WHEN $15 THEN 0 ELSE lease_expires END
            WHERE id = $1 AND lease_owner = $2 AND fence = $3 AND last_seq = $16
            """,
            commit.RunId, commit.Owner, commit.Fence, RunRows.Status(u.Status), u.Cursor, u.StepsDelta, u.WaitingFor, u.WakeAt, u.OutputJson, u.ErrorCode,
            u.ErrorMessage, u.ErrorStep, commit.Events.Count, commit.Now, u.ReleaseLease ? 1 : 0, commit.ExpectedSeq);
        if (changed == 0)
        {
            var held = Query(c, t, "SELECT lease_owner = $2 AND fence = $3 FROM runs WHERE id = $1", r => r.GetInt64(0) != 0, commit.RunId, commit.Owner, commit.Fence);
            return held is [true] ? CommitOutcome.Conflict : CommitOutcome.Fenced;
        }

        for (var i = 0; i < commit.Events.Count; i++)
        {
            var e = commit.Events[i];
            Run(c, t, "INSERT INTO run_events(run_id, seq, at, type, step, data) VALUES ($1, $2, $3, $4, $5, $6)",
                commit.RunId, commit.ExpectedSeq + i + 1, commit.Now, e.Type, e.Step, e.Data);
        }

        foreach (var (hash, content) in commit.Blobs)
        {
            Run(c, t, "INSERT OR IGNORE INTO blobs(hash, content) VALUES ($1, $2)", hash, content);
        }

        foreach (var usage in commit.Usage)
        {
            Run(c, t, "INSERT OR IGNORE INTO run_usage(event_id, run_id, payload) VALUES ($1, $2, $3)", usage.EventId, usage.RunId, usage.Payload);
        }

        foreach (var (child, events) in commit.Children)
        {
            if (Query(c, t, "SELECT 1 FROM runs WHERE id = $1", r => 1, child.Id).Count == 0)
            {
                InsertRun(c, t, child with { LastSeq = events.Count }, events);
            }
        }

        if (commit.Parent is { } notice)
        {
            Notify(c, t, notice, commit.Now);
        }

        return CommitOutcome.Committed;
    }

    private static void Notify(SqliteConnection c, SqliteTransaction t, ParentNotice notice, long now)
    {
        var seq = Query(c, t, """
            UPDATE runs SET last_seq = last_seq + 1, updated_at = $2, wake_at = $2,
                status = CASE WHEN status = 'waiting' THEN 'running' ELSE status END, waiting_for = CASE WHEN status = 'waiting' THEN '' ELSE waiting_for END
            WHERE id = $1 AND status IN ('pending', 'running', 'waiting') RETURNING last_seq
            """, r => r.GetInt32(0), notice.ParentRunId, now);
        if (seq is [var next])
        {
            Run(c, t, "INSERT INTO run_events(run_id, seq, at, type, step, data) VALUES ($1, $2, $3, $4, $5, $6)",
                notice.ParentRunId, next, now, notice.Event.Type, notice.Event.Step, notice.Event.Data);
        }
    }

    public Task<IReadOnlyList<ClaimedRun>> ClaimAsync(string owner, long now, long leaseUntil, int max, CancellationToken cancellationToken) =>
        _writer.WriteAsync<IReadOnlyList<ClaimedRun>>((c, t) => Query(c, t, """
            UPDATE runs SET lease_owner = $1, lease_expires = $3, fence = fence + 1
            WHERE id IN (
                SELECT id FROM runs
                WHERE status IN ('pending', 'running', 'waiting') AND lease_expires < $2
                  AND (status <> 'waiting' OR (wake_at IS NOT NULL AND wake_at <= $2) OR cancel_requested = 1)
                ORDER BY coalesce(wake_at, 0), id LIMIT $4)
            RETURNING id, fence
            """, r => new ClaimedRun(r.GetString(0), r.GetInt64(1)), owner, now, leaseUntil, max), cancellationToken);

    public Task<IReadOnlyList<LeaseState>> RenewAsync(string owner, IReadOnlyCollection<string> runIds, long leaseUntil, CancellationToken cancellationToken) =>
        _writer.WriteAsync<IReadOnlyList<LeaseState>>((c, t) =>
        {
            var states = new List<LeaseState>(runIds.Count);
            foreach (var id in runIds)
            {
                var row = Query(c, t, "UPDATE runs SET lease_expires = $3 WHERE id = $1 AND lease_owner = $2 RETURNING cancel_requested", r => r.GetInt64(0) != 0, id, owner, leaseUntil);
                states.Add(new LeaseState(id, row.Count > 0, row is [true]));
            }

            return states;
        }, cancellationToken);

    public Task ReleaseAsync(string runId, string owner, long fence, CancellationToken cancellationToken) =>
        _writer.WriteAsync((c, t) => Run(c, t, "UPDATE runs SET lease_owner = '', lease_expires = 0 WHERE id = $1 AND lease_owner = $2 AND fence = $3", runId, owner, fence), cancellationToken);

    public Task<SignalOutcome> SignalAsync(string runId, string signal, NewEvent signalEvent, long now, CancellationToken cancellationToken) =>
        _writer.WriteAsync((c, t) =>
        {
            var seq = Query(c, t, """
                UPDATE runs SET last_seq = last_seq + 1, status = 'running', waiting_for = '', wake_at = $3, updated_at = $3
                WHERE id = $1 AND status = 'waiting' AND waiting_for = $2 RETURNING last_seq
                """, r => r.GetInt32(0), runId, "signal:" + signal, now);
            if (seq is not [var next])
            {
                return Query(c, t, "SELECT 1 FROM runs WHERE id = $1", r => 1, runId).Count == 0 ? SignalOutcome.NotFound : SignalOutcome.NotWaiting;
            }

            Run(c, t, "INSERT INTO run_events(run_id, seq, at, type, step, data) VALUES ($1, $2, $3, $4, $5, $6)", runId, next, now, signalEvent.Type, signalEvent.Step, signalEvent.Data);
            return SignalOutcome.Delivered;
        }, cancellationToken);

    public Task<bool> RequestCancelAsync(string runId, string reason, long now, CancellationToken cancellationToken) =>
        _writer.WriteAsync((c, t) => Run(c, t, """
            WITH RECURSIVE tree(id) AS (SELECT $1 UNION SELECT r.id FROM runs r JOIN tree ON r.parent_run_id = tree.id)
            UPDATE runs SET cancel_requested = 1, cancel_reason = $2, updated_at = $3,
                wake_at = CASE WHEN status = 'waiting' THEN $3 ELSE wake_at END
            WHERE id IN (SELECT id FROM tree) AND status IN ('pending', 'running', 'waiting')
            """, runId, reason, now) > 0, cancellationToken);

    public Task<byte[]?> GetBlobAsync(string hash, CancellationToken cancellationToken)
    {
        using var c = OpenRead();
        return Task.FromResult(Query(c, null, "SELECT content FROM blobs WHERE hash = $1", r => (byte[])r.GetValue(0), hash).FirstOrDefault());
    }

    public Task<IReadOnlyList<UsageRecord>> UsageToPublishAsync(long? since, int limit, CancellationToken cancellationToken)
    {
        using var c = OpenRead();
        IReadOnlyList<UsageRecord> rows = Query(c, null, "SELECT event_id, run_id, payload FROM run_usage WHERE published_at IS NULL OR published_at >= $1 ORDER BY rowid LIMIT $2",
            r => new UsageRecord(r.GetString(0), r.GetString(1), (byte[])r.GetValue(2)), since ?? long.MaxValue, limit);
        return Task.FromResult(rows);
    }

    public Task MarkPublishedAsync(IReadOnlyList<string> eventIds, long now, CancellationToken cancellationToken) =>
        _writer.WriteAsync((c, t) =>
        {
            foreach (var id in eventIds)
            {
                Run(c, t, "UPDATE run_usage SET published_at = $2 WHERE event_id = $1", id, now);
            }

            return eventIds.Count;
        }, cancellationToken);
}

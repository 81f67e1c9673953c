using System.Data.Common;

namespace Mesh.Agents.Runs.Store;

/// <summary>
/// Runs and workflows as rows, the same in both run stores (SQLite and PostgreSQL): the columns,
/// a row read back into a record and the values that insert one. Flags are read and bound as
/// booleans, which SQLite keeps as 1 and 0.
/// </summary>
internal static class RunRows
{
    public const string RunColumns = """
        id, tenant, principal, principal_kind, is_admin, tenant_header, workflow, version, pins, status, inputs, client_request_id,
        request_digest, parent_run_id, parent_step, parent_index, created_at, updated_at, deadline, max_steps, last_seq, steps_done,
        cursor, waiting_for, wake_at, cancel_requested, cancel_reason, credential, output, error_code, error_message, error_step,
        lease_owner, lease_expires, fence
        """;

    public const string WorkflowColumns =
        "tenant, name, version, definition, digest, created_by, created_at, (SELECT max(version) FROM workflows l WHERE l.tenant = w.tenant AND l.name = w.name)";

    public static readonly string InsertRunSql =
        $"INSERT INTO runs({RunColumns}) VALUES ({string.Join(", ", Enumerable.Range(1, 35).Select(i => $"${i}"))})";

    /// <summary>A run's status as stored.</summary>
    public static string Status(RunState state) => state.ToString().ToLowerInvariant();

    public static RunRecord ReadRun(DbDataReader r) => new()
    {
        Id = r.GetString(0),
        Tenant = r.GetString(1),
        PrincipalId = r.GetString(2),
        PrincipalKind = r.GetString(3),
        IsAdmin = r.GetBoolean(4),
        TenantHeader = r.GetString(5),
        Workflow = r.GetString(6),
        Version = r.GetInt32(7),
        Pins = r.GetString(8),
        Status = Enum.Parse<RunState>(r.GetString(9), ignoreCase: true),
        InputsJson = r.GetString(10),
        ClientRequestId = NullableString(r, 11),
        RequestDigest = r.GetString(12),
        ParentRunId = r.GetString(13),
        ParentStep = r.GetString(14),
        ParentIndex = r.GetInt32(15),
        CreatedAt = r.GetInt64(16),
        UpdatedAt = r.GetInt64(17),
        Deadline = r.GetInt64(18),
        MaxSteps = r.GetInt32(19),
        LastSeq = r.GetInt32(20),
        StepsDone = r.GetInt32(21),
        Cursor = r.GetString(22),
        WaitingFor = r.GetString(23),
        WakeAt = r.IsDBNull(24) ? null : r.GetInt64(24),
        CancelRequested = r.GetBoolean(25),
        CancelReason = r.GetString(26),
        Credential = r.GetString(27),
        OutputJson = NullableString(r, 28),
        ErrorCode = NullableString(r, 29),
        ErrorMessage = NullableString(r, 30),
        ErrorStep = NullableString(r, 31),
        LeaseOwner = r.GetString(32),
        LeaseExpires = r.GetInt64(33),
        Fence = r.GetInt64(34),
    };

    public static StoredWorkflow ReadWorkflow(DbDataReader r) =>
        new(r.GetString(0), r.GetString(1), r.GetInt32(2), r.GetString(3), r.GetString(4), r.GetString(5), r.GetInt64(6)) { LatestVersion = r.GetInt32(7) };

    public static object?[] RunValues(RunRecord run) =>
    [
        run.Id, run.Tenant, run.PrincipalId, run.PrincipalKind, run.IsAdmin, run.TenantHeader, run.Workflow, run.Version, run.Pins,
        Status(run.Status), run.InputsJson, run.ClientRequestId, run.RequestDigest, run.ParentRunId, run.ParentStep, run.ParentIndex,
        run.CreatedAt, run.UpdatedAt, run.Deadline, run.MaxSteps, run.LastSeq, run.StepsDone, run.Cursor, run.WaitingFor, run.WakeAt,
        run.CancelRequested, run.CancelReason, run.Credential, run.OutputJson, run.ErrorCode, run.ErrorMessage, run.ErrorStep,
        run.LeaseOwner, run.LeaseExpires, run.Fence,
    ];

    private static string? NullableString(DbDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);
}

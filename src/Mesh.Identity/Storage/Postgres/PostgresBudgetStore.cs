using Mesh.Identity.Budgets;
using Npgsql;

namespace Mesh.Identity.Storage.Postgres;

/// <summary>
/// Budgets in the shared database, safe for any number of replicas. Reserving, settling and
/// expiring are each one call of a function of <see cref="PostgresBudgetFunctions"/>: it locks
/// the budget rows, decides on the locked state and writes all budgets and the reservation in
/// one statement: all or none, no lost update, and no lock held across a round trip.
/// </summary>
public sealed class PostgresBudgetStore(PostgresDatabase database, TimeProvider time) : IBudgetStore
{
    private const string Columns = "tenant, scope, cost_limit, token_limit, rpm, period, period_start, spent, reserved, tokens_used, tokens_reserved, window_start, window_count";
    private const int ExpireBatch = 1_000;

    public void Set(BudgetLimits limits, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(limits);
        database.Execute("""
            INSERT INTO budgets(tenant, scope, cost_limit, token_limit, rpm, period, period_start) VALUES ($1, $2, $3, $4, $5, $6, $7)
            ON CONFLICT (tenant, scope) DO UPDATE SET cost_limit = EXCLUDED.cost_limit, token_limit = EXCLUDED.token_limit, rpm = EXCLUDED.rpm,
                period = EXCLUDED.period, period_start = CASE WHEN budgets.period = EXCLUDED.period THEN budgets.period_start ELSE EXCLUDED.period_start END
            """,
            limits.TenantId, limits.Scope, limits.CostLimitNanos, limits.TokenLimit, limits.RequestsPerMinute, limits.Period,
            BudgetPeriods.StartOf(limits.Period, now).ToUnixTimeMilliseconds());
    }

    public bool Delete(string tenantId, string scope) => database.Execute("DELETE FROM budgets WHERE tenant = $1 AND scope = $2", tenantId, scope) == 1;

    public IReadOnlyList<BudgetRecord> List(string tenantId, DateTimeOffset now) =>
        [.. database.Query($"SELECT {Columns} FROM budgets WHERE tenant = $1 ORDER BY scope", Read, tenantId).Select(b => BudgetAdmission.At(b, now))];

    public bool Any(string tenantId, IReadOnlyList<string> scopes)
    {
        ArgumentNullException.ThrowIfNull(scopes);
        return database.Query("SELECT EXISTS(SELECT 1 FROM budgets WHERE tenant = $1 AND scope = ANY($2))", r => r.GetBoolean(0), tenantId, scopes.ToArray()).Single();
    }

    public ReserveResult Reserve(string tenantId, IReadOnlyList<string> scopes, ReservationAsk ask, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(scopes);
        ArgumentNullException.ThrowIfNull(ask);
        var id = Guid.CreateVersion7(now).ToString("N");
        var outcome = database.Query("SELECT * FROM mesh_identity_reserve($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            r => (Refused: r.IsDBNull(1) ? null : ReadFunctionRow(tenantId, r), Reserved: r.IsDBNull(8) ? 0 : r.GetInt64(8)),
            tenantId, scopes.Distinct(StringComparer.Ordinal).ToArray(), ask.CostNanos, ask.Tokens, now.ToUnixTimeMilliseconds(), BudgetAdmission.Minute(now),
            BudgetPeriods.StartOf(BudgetPeriods.Day, now).ToUnixTimeMilliseconds(), BudgetPeriods.StartOf(BudgetPeriods.Month, now).ToUnixTimeMilliseconds(), id,
            ask.Batched?.CostNanos ?? ask.CostNanos, ask.Batched?.BatchSize ?? 1);
        return outcome switch
        {
            [] => new ReserveResult("", "", ""),
            [{ Refused: { } budget }] => new ReserveResult("", budget.Limits.Scope, BudgetMessages.Exhausted(BudgetAdmission.At(budget, now))),
            [var reserved] => new ReserveResult(id, "", "", reserved.Reserved),
            _ => throw new InvalidOperationException("mesh_identity_reserve answered more than one row"),
        };
    }

    public SettleResult Settle(string reservationId, long costNanos, long tokens) =>
        database.Query("SELECT mesh_identity_settle($1, $2, $3, $4)", r => r.GetString(0),
            reservationId, costNanos, tokens, time.GetUtcNow().ToUnixTimeMilliseconds()).Single() switch
        {
            "settled" => SettleResult.Settled,
            "already_settled" => SettleResult.AlreadySettled,
            _ => SettleResult.Unknown,
        };

    public int Expire(DateTimeOffset before)
    {
        var total = 0;
        int expired;
        do
        {
            expired = database.Query("SELECT mesh_identity_expire($1, $2, $3)", r => r.GetInt32(0),
                before.ToUnixTimeMilliseconds(), time.GetUtcNow().ToUnixTimeMilliseconds(), ExpireBatch).Single();
            total += expired;
        }
        while (expired == ExpireBatch);

        return total;
    }

    public int Purge(DateTimeOffset closedBefore) =>
        database.Execute("DELETE FROM reservations WHERE state <> 'open' AND closed_at < $1", closedBefore.ToUnixTimeMilliseconds())
        + database.Execute("DELETE FROM charged_events WHERE at < $1", closedBefore.ToUnixTimeMilliseconds());

    /// <summary>One statement: the event is recorded and its budgets charged together, or (charged before) nothing happens.</summary>
    public bool Charge(string tenantId, IReadOnlyList<string> scopes, string eventId, long costNanos, long tokens, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(scopes);
        return database.Query("""
            WITH recorded AS (
                INSERT INTO charged_events(event_id, tenant, at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING 1
            ), charged AS (
                UPDATE budgets SET
                    spent = CASE WHEN period <> 'none' AND period_start < (CASE period WHEN 'day' THEN $7 ELSE $8 END) THEN 0 ELSE spent END + $4,
                    tokens_used = CASE WHEN period <> 'none' AND period_start < (CASE period WHEN 'day' THEN $7 ELSE $8 END) THEN 0 ELSE tokens_used END + $5,
                    period_start = CASE WHEN period <> 'none' AND period_start < (CASE period WHEN 'day' THEN $7 ELSE $8 END)
                        THEN (CASE period WHEN 'day' THEN $7 ELSE $8 END) ELSE period_start END
                WHERE tenant = $2 AND scope = ANY($6) AND EXISTS (SELECT 1 FROM recorded)
                RETURNING 1
            )
            SELECT (SELECT count(*) FROM recorded) + 0 * (SELECT count(*) FROM charged)
            """, r => r.GetInt64(0), eventId, tenantId, now.ToUnixTimeMilliseconds(), costNanos, tokens, scopes.ToArray(),
            BudgetPeriods.StartOf(BudgetPeriods.Day, now).ToUnixTimeMilliseconds(), BudgetPeriods.StartOf(BudgetPeriods.Month, now).ToUnixTimeMilliseconds()).Single() == 1;
    }

    /// <summary>A budget as <c>mesh_identity_reserve</c> returns the one that refused (its columns after the outcome).</summary>
    private static BudgetRecord ReadFunctionRow(string tenantId, NpgsqlDataReader reader) => new(
        new BudgetLimits(tenantId, reader.GetString(1), PostgresDatabase.Long(reader, 2), PostgresDatabase.Long(reader, 3),
            reader.IsDBNull(4) ? null : reader.GetInt32(4), reader.GetString(5)),
        DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(6)),
        reader.GetInt64(7), reader.GetInt64(8), reader.GetInt64(9), reader.GetInt64(10), reader.GetInt64(11), reader.GetInt32(12));

    private static BudgetRecord Read(NpgsqlDataReader reader) => new(
        new BudgetLimits(reader.GetString(0), reader.GetString(1), PostgresDatabase.Long(reader, 2), PostgresDatabase.Long(reader, 3),
            reader.IsDBNull(4) ? null : reader.GetInt32(4), reader.GetString(5)),
        DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(6)),
        reader.GetInt64(7), reader.GetInt64(8), reader.GetInt64(9), reader.GetInt64(10), reader.GetInt64(11), reader.GetInt32(12));
}

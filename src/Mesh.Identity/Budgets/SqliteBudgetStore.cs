using Mesh.Identity.Storage;
using Microsoft.Data.Sqlite;

namespace Mesh.Identity.Budgets;

/// <summary>
/// Budgets in SQLite. A reservation is one <c>BEGIN IMMEDIATE</c> transaction of conditional
/// updates (<c>... WHERE spent + reserved &lt; limit</c>): all budgets or none.
/// </summary>
public sealed class SqliteBudgetStore(IdentityDatabase database, TimeProvider time) : IBudgetStore
{
    private const string Columns = "tenant, scope, cost_limit, token_limit, rpm, period, period_start, spent, reserved, tokens_used, tokens_reserved, window_start, window_count";

    public void Set(BudgetLimits limits, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(limits);
        using var connection = database.Open();
        using var command = IdentityDatabase.Command(connection, """
            INSERT INTO budgets(tenant, scope, cost_limit, token_limit, rpm, period, period_start) VALUES ($t, $s, $cost, $tokens, $rpm, $period, $start)
            ON CONFLICT(tenant, scope) DO UPDATE SET cost_limit = $cost, token_limit = $tokens, rpm = $rpm,
                period = $period, period_start = CASE WHEN period = $period THEN period_start ELSE $start END
            """, null,
            ("$t", limits.TenantId), ("$s", limits.Scope), ("$cost", limits.CostLimitNanos), ("$tokens", limits.TokenLimit),
            ("$rpm", limits.RequestsPerMinute), ("$period", limits.Period), ("$start", BudgetPeriods.StartOf(limits.Period, now).ToUnixTimeMilliseconds()));
        command.ExecuteNonQuery();
    }

    public bool Delete(string tenantId, string scope)
    {
        using var connection = database.Open();
        using var command = IdentityDatabase.Command(connection, "DELETE FROM budgets WHERE tenant = $t AND scope = $s", null, ("$t", tenantId), ("$s", scope));
        return command.ExecuteNonQuery() == 1;
    }

    public IReadOnlyList<BudgetRecord> List(string tenantId, DateTimeOffset now)
    {
        using var connection = database.Open();
        using var command = IdentityDatabase.Command(connection, $"SELECT {Columns} FROM budgets WHERE tenant = $t ORDER BY scope", null, ("$t", tenantId));
        using var reader = command.ExecuteReader();
        var budgets = new List<BudgetRecord>();
        while (reader.Read())
        {
            budgets.Add(BudgetAdmission.At(Read(reader), now));
        }

        return budgets;
    }

    public bool Any(string tenantId, IReadOnlyList<string> scopes)
    {
        ArgumentNullException.ThrowIfNull(scopes);
        using var connection = database.Open();
        using var command = IdentityDatabase.Command(connection,
            $"SELECT EXISTS(SELECT 1 FROM budgets WHERE tenant = $t AND scope IN ({string.Join(", ", scopes.Select((_, i) => $"$s{i}"))}))", null,
            [("$t", tenantId), .. scopes.Select((s, i) => ($"$s{i}", (object?)s))]);
        return (long)command.ExecuteScalar()! == 1;
    }

    public ReserveResult Reserve(string tenantId, IReadOnlyList<string> scopes, ReservationAsk ask, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(scopes);
        ArgumentNullException.ThrowIfNull(ask);
        var minute = BudgetAdmission.Minute(now);
        using var connection = database.Open();
        using var transaction = connection.BeginTransaction(deferred: false);
        foreach (var scope in scopes)
        {
            RollPeriod(connection, transaction, tenantId, scope, now);
        }

        var costNanos = ask.CostFor(SmallestRoom(connection, transaction, tenantId, scopes));
        var tokens = ask.Tokens;
        var charged = new List<string>();
        foreach (var scope in scopes)
        {
            using var reserve = IdentityDatabase.Command(connection, """
                UPDATE budgets SET reserved = reserved + $cost, tokens_reserved = tokens_reserved + $tokens,
                    window_count = CASE WHEN window_start = $minute THEN window_count + 1 ELSE 1 END, window_start = $minute
                WHERE tenant = $t AND scope = $s
                  AND (cost_limit IS NULL OR spent + reserved < cost_limit)
                  AND (token_limit IS NULL OR tokens_used + tokens_reserved < token_limit)
                  AND (rpm IS NULL OR window_start <> $minute OR window_count < rpm)
                """, transaction, ("$cost", costNanos), ("$tokens", tokens), ("$minute", minute), ("$t", tenantId), ("$s", scope));
            if (reserve.ExecuteNonQuery() == 1)
            {
                charged.Add(scope);
                continue;
            }

            if (Find(connection, transaction, tenantId, scope) is { } budget)
            {
                transaction.Rollback();
                return new ReserveResult("", scope, BudgetMessages.Exhausted(BudgetAdmission.At(budget, now)));
            }
        }

        if (charged.Count == 0)
        {
            transaction.Rollback();
            return new ReserveResult("", "", "");
        }

        var id = Guid.CreateVersion7(now).ToString("N");
        using var insert = IdentityDatabase.Command(connection,
            "INSERT INTO reservations(id, tenant, scopes, cost, tokens, created_at) VALUES ($id, $t, $scopes, $cost, $tokens, $at)", transaction,
            ("$id", id), ("$t", tenantId), ("$scopes", string.Join('\n', charged)), ("$cost", costNanos), ("$tokens", tokens), ("$at", now.ToUnixTimeMilliseconds()));
        insert.ExecuteNonQuery();
        transaction.Commit();
        return new ReserveResult(id, "", "", costNanos);
    }

    /// <summary>The least room (limit - spent - reserved) among the cost-limited budgets of <paramref name="scopes"/>; null when none has a cost limit.</summary>
    private static long? SmallestRoom(SqliteConnection connection, SqliteTransaction transaction, string tenantId, IReadOnlyList<string> scopes)
    {
        using var command = IdentityDatabase.Command(connection,
            $"SELECT MIN(cost_limit - spent - reserved) FROM budgets WHERE tenant = $t AND cost_limit IS NOT NULL AND scope IN ({string.Join(", ", scopes.Select((_, i) => $"$s{i}"))})",
            transaction, [("$t", tenantId), .. scopes.Select((s, i) => ($"$s{i}", (object?)s))]);
        return command.ExecuteScalar() is long room ? room : null;
    }

    public SettleResult Settle(string reservationId, long costNanos, long tokens) => database.Write((connection, transaction) =>
    {
        string tenant, scopes, state;
        long cost, reservedTokens;
        using (var select = IdentityDatabase.Command(connection, "SELECT tenant, scopes, cost, tokens, state FROM reservations WHERE id = $id", transaction,
            ("$id", reservationId)))
        using (var reader = select.ExecuteReader())
        {
            if (!reader.Read())
            {
                return SettleResult.Unknown;
            }

            (tenant, scopes, cost, reservedTokens, state) = (reader.GetString(0), reader.GetString(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetString(4));
        }

        if (state == ReservationStates.Settled)
        {
            return SettleResult.AlreadySettled;
        }

        Close(connection, transaction, reservationId, tenant, scopes, ReservationCharge.Settle(state, cost, reservedTokens, costNanos, tokens), ReservationStates.Settled);
        return SettleResult.Settled;
    });

    public int Expire(DateTimeOffset before) => database.Write((connection, transaction) =>
    {
        var due = new List<(string Id, string Tenant, string Scopes, long Cost, long Tokens)>();
        using (var select = IdentityDatabase.Command(connection, "SELECT id, tenant, scopes, cost, tokens FROM reservations WHERE state = 'open' AND created_at < $before",
            transaction, ("$before", before.ToUnixTimeMilliseconds())))
        using (var reader = select.ExecuteReader())
        {
            while (reader.Read())
            {
                due.Add((reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetInt64(3), reader.GetInt64(4)));
            }
        }

        foreach (var (id, tenant, scopes, cost, tokens) in due)
        {
            Close(connection, transaction, id, tenant, scopes, ReservationCharge.Expire(cost, tokens), ReservationStates.Expired);
        }

        return due.Count;
    });

    public int Purge(DateTimeOffset closedBefore)
    {
        using var connection = database.Open();
        using var delete = IdentityDatabase.Command(connection, "DELETE FROM reservations WHERE state <> 'open' AND closed_at < $before", null,
            ("$before", closedBefore.ToUnixTimeMilliseconds()));
        using var charged = IdentityDatabase.Command(connection, "DELETE FROM charged_events WHERE at < $before", null,
            ("$before", closedBefore.ToUnixTimeMilliseconds()));
        return delete.ExecuteNonQuery() + charged.ExecuteNonQuery();
    }

    public bool Charge(string tenantId, IReadOnlyList<string> scopes, string eventId, long costNanos, long tokens, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(scopes);
        return database.Write((connection, transaction) =>
        {
            using var record = IdentityDatabase.Command(connection, "INSERT OR IGNORE INTO charged_events(event_id, tenant, at) VALUES ($e, $t, $at)", transaction,
                ("$e", eventId), ("$t", tenantId), ("$at", now.ToUnixTimeMilliseconds()));
            if (record.ExecuteNonQuery() == 0)
            {
                return false;
            }

            foreach (var scope in scopes)
            {
                RollPeriod(connection, transaction, tenantId, scope, now);
                using var charge = IdentityDatabase.Command(connection,
                    "UPDATE budgets SET spent = spent + $cost, tokens_used = tokens_used + $tokens WHERE tenant = $t AND scope = $s", transaction,
                    ("$cost", costNanos), ("$tokens", tokens), ("$t", tenantId), ("$s", scope));
                charge.ExecuteNonQuery();
            }

            return true;
        });
    }

    /// <summary>Applies <paramref name="charge"/> to the reservation's budgets and records it closed in <paramref name="state"/>.</summary>
    private void Close(SqliteConnection connection, SqliteTransaction transaction, string id, string tenant, string scopes, ReservationCharge charge, string state)
    {
        foreach (var scope in scopes.Split('\n'))
        {
            using var update = IdentityDatabase.Command(connection, """
                UPDATE budgets SET reserved = MAX(0, reserved - $releaseCost), spent = MAX(0, spent + $spendCost),
                    tokens_reserved = MAX(0, tokens_reserved - $releaseTokens), tokens_used = MAX(0, tokens_used + $spendTokens)
                WHERE tenant = $t AND scope = $s
                """, transaction, ("$releaseCost", charge.ReleaseCost), ("$spendCost", charge.SpendCost), ("$releaseTokens", charge.ReleaseTokens),
                ("$spendTokens", charge.SpendTokens), ("$t", tenant), ("$s", scope));
            update.ExecuteNonQuery();
        }

        using var close = IdentityDatabase.Command(connection, "UPDATE reservations SET state = $state, closed_at = $at WHERE id = $id", transaction,
            ("$state", state), ("$at", time.GetUtcNow().ToUnixTimeMilliseconds()), ("$id", id));
        close.ExecuteNonQuery();
    }

    private static void RollPeriod(SqliteConnection connection, SqliteTransaction transaction, string tenantId, string scope, DateTimeOffset now)
    {
        using var roll = IdentityDatabase.Command(connection, """
            UPDATE budgets SET spent = 0, tokens_used = 0, period_start = CASE period WHEN 'day' THEN $day ELSE $month END
            WHERE tenant = $t AND scope = $s AND period <> 'none' AND period_start < CASE period WHEN 'day' THEN $day ELSE $month END
            """, transaction,
            ("$day", BudgetPeriods.StartOf(BudgetPeriods.Day, now).ToUnixTimeMilliseconds()),
            ("$month", BudgetPeriods.StartOf(BudgetPeriods.Month, now).ToUnixTimeMilliseconds()), ("$t", tenantId), ("$s", scope));
        roll.ExecuteNonQuery();
    }

    private static BudgetRecord? Find(SqliteConnection connection, SqliteTransaction transaction, string tenantId, string scope)
    {
        using var command = IdentityDatabase.Command(connection, $"SELECT {Columns} FROM budgets WHERE tenant = $t AND scope = $s", transaction, ("$t", tenantId), ("$s", scope));
        using var reader = command.ExecuteReader();
        return reader.Read() ? Read(reader) : null;
    }

    private static BudgetRecord Read(SqliteDataReader reader) => new(
        new BudgetLimits(reader.GetString(0), reader.GetString(1), Nullable(reader, 2), Nullable(reader, 3), (int?)Nullable(reader, 4), reader.GetString(5)),
        DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(6)),
        reader.GetInt64(7), reader.GetInt64(8), reader.GetInt64(9), reader.GetInt64(10), reader.GetInt64(11), reader.GetInt32(12));

    private static long? Nullable(SqliteDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetInt64(ordinal);
}

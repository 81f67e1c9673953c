namespace Mesh.Identity.Storage.Postgres;

/// <summary>
/// Reserve, settle and expire as PL/pgSQL functions: each is one statement, one round trip,
/// so a budget row is locked only while PostgreSQL itself works on it, never while a client
/// thread waits for its next turn (a thread pool busy with other requests would otherwise keep
/// every replica's reservations queued behind one). Budgets are locked in key order
/// (<c>ORDER BY scope FOR UPDATE</c>), and a reservation before its budgets, so concurrent
/// calls never deadlock. The rules are those of the SQLite store: admitted while every budget
/// has room, spend of a past period and requests of a past minute count as zero; the reserved
/// cost (the batched one or the call's alone, see <c>ReservationAsk</c>) comes back in
/// <c>o_reserved</c> of the <c>reserved</c> row.
/// </summary>
internal static class PostgresBudgetFunctions
{
    public const string Reserve = """
        CREATE OR REPLACE FUNCTION mesh_identity_reserve(
            p_tenant text, p_scopes text[], p_cost bigint, p_tokens bigint, p_now bigint, p_minute bigint, p_day bigint, p_month bigint, p_id text,
            p_batched_cost bigint, p_batch integer)
        RETURNS TABLE(o_outcome text, o_scope text, o_cost_limit bigint, o_token_limit bigint, o_rpm integer, o_period text, o_period_start bigint,
            o_spent bigint, o_reserved bigint, o_tokens_used bigint, o_tokens_reserved bigint, o_window_start bigint, o_window_count integer)
        LANGUAGE plpgsql AS $$
        DECLARE
            b budgets;
            s text;
            rolled boolean;
            charged text[] := '{}';
            room numeric;
        BEGIN
            PERFORM 1 FROM budgets WHERE tenant = p_tenant AND scope = ANY(p_scopes) ORDER BY scope FOR UPDATE;
            -- What to reserve (ReservationAsk.CostFor): batched work its cost in the batch when every budget
            -- has room for the whole batch at it, else the cost alone; never more than the room left.
            SELECT min(cost_limit - CASE WHEN period <> 'none' AND period_start < CASE period WHEN 'day' THEN p_day ELSE p_month END THEN 0 ELSE spent END - reserved)
            INTO room FROM budgets WHERE tenant = p_tenant AND scope = ANY(p_scopes) AND cost_limit IS NOT NULL;
            IF p_batch > 1 AND (room IS NULL OR room >= p_batched_cost::numeric * p_batch) THEN
                p_cost := p_batched_cost;
            END IF;
            IF room > 0 AND room < p_cost THEN
                p_cost := room::bigint;
            END IF;
            FOREACH s IN ARRAY p_scopes LOOP
                SELECT * INTO b FROM budgets WHERE tenant = p_tenant AND scope = s;
                CONTINUE WHEN NOT FOUND OR s = ANY(charged);
                rolled := b.period <> 'none' AND b.period_start < CASE b.period WHEN 'day' THEN p_day ELSE p_month END;
                IF (b.cost_limit IS NOT NULL AND CASE WHEN rolled THEN 0 ELSE b.spent END + b.reserved >= b.cost_limit)
                    OR (b.token_limit IS NOT NULL AND CASE WHEN rolled THEN 0 ELSE b.tokens_used END + b.tokens_reserved >= b.token_limit)
                    OR (b.rpm IS NOT NULL AND b.window_start = p_minute AND b.window_count >= b.rpm) THEN
                    RETURN QUERY SELECT 'refused', b.scope, b.cost_limit, b.token_limit, b.rpm, b.period, b.period_start,
                        b.spent, b.reserved, b.tokens_used, b.tokens_reserved, b.window_start, b.window_count;
                    RETURN;
                END IF;
                charged := charged || s;
            END LOOP;
            IF cardinality(charged) = 0 THEN
                RETURN;
            END IF;
            -- SET sees the old row: every expression rolls the period from the state before this update.
            UPDATE budgets SET
                spent = CASE WHEN period <> 'none' AND period_start < CASE period WHEN 'day' THEN p_day ELSE p_month END THEN 0 ELSE spent END,
                tokens_used = CASE WHEN period <> 'none' AND period_start < CASE period WHEN 'day' THEN p_day ELSE p_month END THEN 0 ELSE tokens_used END,
                period_start = CASE WHEN period <> 'none' AND period_start < CASE period WHEN 'day' THEN p_day ELSE p_month END
                    THEN CASE period WHEN 'day' THEN p_day ELSE p_month END ELSE period_start END,
                reserved = reserved + p_cost,
                tokens_reserved = tokens_reserved + p_tokens,
                window_count = CASE WHEN window_start = p_minute THEN window_count + 1 ELSE 1 END,
                window_start = p_minute
            WHERE tenant = p_tenant AND scope = ANY(charged);
            INSERT INTO reservations(id, tenant, scopes, cost, tokens, created_at) VALUES (p_id, p_tenant, charged, p_cost, p_tokens, p_now);
            RETURN QUERY SELECT 'reserved', NULL::text, NULL::bigint, NULL::bigint, NULL::integer, NULL::text, NULL::bigint,
                NULL::bigint, p_cost, NULL::bigint, NULL::bigint, NULL::bigint, NULL::integer;
        END
        $$
        """;

    public const string Settle = """
        CREATE OR REPLACE FUNCTION mesh_identity_settle(p_id text, p_cost bigint, p_tokens bigint, p_now bigint)
        RETURNS text LANGUAGE plpgsql AS $$
        DECLARE
            r reservations;
        BEGIN
            SELECT * INTO r FROM reservations WHERE id = p_id FOR UPDATE;
            IF NOT FOUND THEN
                RETURN 'unknown';
            END IF;
            IF r.state = 'settled' THEN
                RETURN 'already_settled';
            END IF;
            PERFORM 1 FROM budgets WHERE tenant = r.tenant AND scope = ANY(r.scopes) ORDER BY scope FOR UPDATE;
            IF r.state = 'expired' THEN
                -- Charged in full when it expired: correct by the difference.
                UPDATE budgets SET spent = GREATEST(0, spent + p_cost - r.cost), tokens_used = GREATEST(0, tokens_used + p_tokens - r.tokens)
                WHERE tenant = r.tenant AND scope = ANY(r.scopes);
            ELSE
                UPDATE budgets SET reserved = GREATEST(0, reserved - r.cost), spent = spent + p_cost,
                    tokens_reserved = GREATEST(0, tokens_reserved - r.tokens), tokens_used = tokens_used + p_tokens
                WHERE tenant = r.tenant AND scope = ANY(r.scopes);
            END IF;
            UPDATE reservations SET state = 'settled', closed_at = p_now WHERE id = p_id;
            RETURN 'settled';
        END
        $$
        """;

    // One sweeper at a time (the advisory lock): two sweeps locking budgets of several tenants could otherwise deadlock.
    public const string Expire = """
        CREATE OR REPLACE FUNCTION mesh_identity_expire(p_before bigint, p_now bigint, p_limit integer)
        RETURNS integer LANGUAGE plpgsql AS $$
        DECLARE
            r reservations;
            n integer := 0;
        BEGIN
            IF NOT pg_try_advisory_xact_lock(7885087032156419) THEN
                RETURN 0;
            END IF;
            FOR r IN SELECT * FROM reservations WHERE state = 'open' AND created_at < p_before
                     ORDER BY created_at LIMIT p_limit FOR UPDATE SKIP LOCKED LOOP
                PERFORM 1 FROM budgets WHERE tenant = r.tenant AND scope = ANY(r.scopes) ORDER BY scope FOR UPDATE;
                UPDATE budgets SET reserved = GREATEST(0, reserved - r.cost), spent = spent + r.cost,
                    tokens_reserved = GREATEST(0, tokens_reserved - r.tokens), tokens_used = tokens_used + r.tokens
                WHERE tenant = r.tenant AND scope = ANY(r.scopes);
                UPDATE reservations SET state = 'expired', closed_at = p_now WHERE id = r.id;
                n := n + 1;
            END LOOP;
            RETURN n;
        END
        $$
        """;
}

using System.Data;
using Mesh.Identity.Relations;
using Npgsql;

namespace Mesh.Identity.Storage.Postgres;

/// <summary>
/// One decision's view of the relations: a REPEATABLE READ, READ ONLY transaction, so every
/// query sees the snapshot its first query took, revision included, whichever replica wrote
/// last. Round trips are what a check costs here, so they are few: the transaction's start and
/// the revision ride with the first batch, a <see cref="Prefetch"/> asks all its questions in
/// that batch, and each answer is kept for the rest of the decision (the snapshot does not move).
/// </summary>
internal sealed class PostgresRelationReader : IRelationReader
{
    private readonly NpgsqlConnection _connection;
    private readonly NpgsqlTransaction _transaction;
    private readonly string _tenant;
    private readonly Dictionary<(ObjectRef Object, string Relation), bool> _any = [];
    private readonly Dictionary<(ObjectRef Object, string Relation), List<ObjectRef>> _usersets = [];
    private readonly Dictionary<(ObjectRef Object, string Relation, ObjectRef Subject), bool> _direct = [];
    private long? _revision;
    private bool _failed;

    public PostgresRelationReader(NpgsqlConnection connection, string tenant)
    {
        _connection = connection;
        _tenant = tenant;
        // Npgsql sends BEGIN with the first batch, not on its own.
        _transaction = connection.BeginTransaction(IsolationLevel.RepeatableRead);
    }

    public long Revision
    {
        get
        {
            if (_revision is null)
            {
                Run([]); // starts the snapshot, which reads the revision
            }

            return _revision!.Value;
        }
    }

    public void Prefetch(ObjectRef subject, IReadOnlyList<(ObjectRef Object, string Relation)> relations)
    {
        ArgumentNullException.ThrowIfNull(relations);
        var questions = new List<Question>();
        foreach (var (obj, relation) in relations.Distinct())
        {
            if (!_any.ContainsKey((obj, relation)))
            {
                questions.Add(AnyQuestion(obj, relation));
            }

            if (!_direct.ContainsKey((obj, relation, subject)))
            {
                questions.Add(ProbeQuestion(obj, relation, subject));
            }
        }

        if (questions.Count > 0 || _revision is null)
        {
            Run(questions);
        }
    }

    public bool Any(ObjectRef obj, string relation)
    {
        if (!_any.TryGetValue((obj, relation), out var any))
        {
            Run([AnyQuestion(obj, relation)]);
            any = _any[(obj, relation)];
        }

        return any;
    }

    public bool HasDirect(ObjectRef obj, string relation, ObjectRef subject)
    {
        if (!_direct.TryGetValue((obj, relation, subject), out var direct))
        {
            Run([ProbeQuestion(obj, relation, subject)]);
            direct = _direct[(obj, relation, subject)];
        }

        return direct;
    }

    public IReadOnlyList<ObjectRef> Usersets(ObjectRef obj, string relation)
    {
        if (!_usersets.TryGetValue((obj, relation), out var usersets))
        {
            Run([new Question(PostgresRelationQueries.Usersets, [_tenant, obj.Type, obj.Id, relation], reader => _usersets[(obj, relation)] = PostgresRelationQueries.ReadSubjects(reader))]);
            usersets = _usersets[(obj, relation)];
        }

        return usersets;
    }

    public IReadOnlyList<string> ObjectIds(string type, string relation)
    {
        List<string> ids = [];
        Run([new Question(PostgresRelationQueries.ObjectIds, [_tenant, type, relation], reader =>
            {
                while (reader.Read())
                {
                    ids.Add(reader.GetString(0));
                }
            })]);
        return ids;
    }

    public IReadOnlyList<RelationTuple> Read(string objectType, string objectId, string relation, ObjectRef? subject)
    {
        List<RelationTuple> tuples = [];
        Run([new Question(PostgresRelationQueries.Read,
            [_tenant, objectType, objectId, relation, subject?.Type ?? "", subject?.Id ?? "", subject?.Relation ?? ""], reader =>
            {
                while (reader.Read())
                {
                    tuples.Add(new RelationTuple(new ObjectRef(reader.GetString(0), reader.GetString(1)), reader.GetString(2),
                        new ObjectRef(reader.GetString(3), reader.GetString(4), reader.GetString(5))));
                }
            })]);
        return tuples;
    }

    public void Dispose()
    {
        try
        {
            // A failed query leaves the transaction aborted: disposing rolls it back, and the query's own error is the one that surfaces.
            if (_revision is not null && !_failed)
            {
                _transaction.Commit();
            }
        }
        finally
        {
            _transaction.Dispose();
            _connection.Dispose();
        }
    }

    private Question AnyQuestion(ObjectRef obj, string relation) => new(PostgresRelationQueries.Any, [_tenant, obj.Type, obj.Id, relation], reader =>
    {
        reader.Read();
        _any[(obj, relation)] = reader.GetBoolean(0);
    });

    private Question ProbeQuestion(ObjectRef obj, string relation, ObjectRef subject) =>
        new(PostgresRelationQueries.Probe, [_tenant, obj.Type, obj.Id, relation, subject.Type, subject.Id], reader =>
        {
            var rows = PostgresRelationQueries.ReadSubjects(reader);
            _usersets[(obj, relation)] = [.. rows.Where(s => s.IsUserset)];
            _direct[(obj, relation, subject)] = rows.Exists(s => !s.IsUserset);
            if (rows.Count > 0)
            {
                _any[(obj, relation)] = true;
            }
        });

    /// <summary>
    /// Sends the questions in one batch and hands each its result set; the first batch also makes
    /// the transaction read-only and reads the revision.
    /// </summary>
    private void Run(IReadOnlyList<Question> questions)
    {
        var first = _revision is null;
        var statements = new List<(string, object?[])>(questions.Count + 2);
        if (first)
        {
            statements.Add(("SET TRANSACTION READ ONLY", []));
            statements.Add(("SELECT value FROM revisions WHERE name = 'relations'", []));
        }

        statements.AddRange(questions.Select(q => (q.Sql, q.Arguments)));
        try
        {
            using var batch = PostgresDatabase.Batch(_connection, _transaction, [.. statements]);
            using var reader = batch.ExecuteReader();
            if (first)
            {
                while (reader.FieldCount == 0 && reader.NextResult())
                {
                    // SET returns no rows.
                }

                reader.Read();
                _revision = reader.GetInt64(0);
                reader.NextResult();
            }

            foreach (var question in questions)
            {
                question.Read(reader);
                reader.NextResult();
            }
        }
        catch (NpgsqlException)
        {
            _failed = true;
            throw;
        }
    }

    private sealed record Question(string Sql, object?[] Arguments, Action<NpgsqlDataReader> Read);
}

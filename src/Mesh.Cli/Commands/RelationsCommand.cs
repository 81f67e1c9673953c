using System.CommandLine;
using Mesh.Cli.Configuration;
using Mesh.Identity.V1;

namespace Mesh.Cli.Commands;

/// <summary><c>mesh relations check|write|delete|list|objects</c>: relationship-based permissions.</summary>
public static class RelationsCommand
{
    public static Command Create(CommandRunner runner)
    {
        ArgumentNullException.ThrowIfNull(runner);
        var command = new Command("relations", "Check and manage who may do what (e.g. tool:calculator invoker user:alice)");
        command.Subcommands.Add(Check(runner));
        command.Subcommands.Add(Change(runner, "write", "Add a relation (tenant admins)"));
        command.Subcommands.Add(Change(runner, "delete", "Remove a relation (tenant admins)"));
        command.Subcommands.Add(List(runner));
        command.Subcommands.Add(Objects(runner));
        return command;
    }

    private static Command Check(CommandRunner runner)
    {
        var obj = new Argument<string>("object") { Description = "type:id, e.g. tool:calculator" };
        var relation = new Argument<string>("relation") { Description = "e.g. invoker, reader, admin, member" };
        var subject = new Option<string?>("--subject") { Description = "type:id; default: you" };
        var check = new Command("check", "Ask whether a subject holds a relation") { obj, relation, subject };
        runner.SetAction(check, async (context, cancellationToken) =>
        {
            var response = await context.Clients.Permissions.CheckAsync(new CheckRequest
            {
                Object = context.Parse.GetValue(obj) ?? "",
                Relation = context.Parse.GetValue(relation) ?? "",
                Subject = context.Parse.GetValue(subject) ?? "",
            }, context.Clients.Options(cancellationToken));
            IdentityTables.Done(context, response, $"{(response.Allowed ? "allowed" : "denied")}: {response.Reason} (revision {response.Revision})");
            return response.Allowed ? ExitCodes.Success : ExitCodes.Failure;
        });
        return check;
    }

    private static Command Change(CommandRunner runner, string name, string description)
    {
        var obj = new Argument<string>("object") { Description = "type:id, e.g. tool:calculator" };
        var relation = new Argument<string>("relation") { Description = "e.g. invoker" };
        var subject = new Argument<string?>("subject") { Description = "type:id or type:id#relation, e.g. user:alice or group:ml#member", Arity = ArgumentArity.ZeroOrOne };
        // --subject too, as check takes it: the same words work for both.
        var subjectOption = new Option<string?>("--subject") { Description = "The subject, as an option (the same as the argument)" };
        var change = new Command(name, description) { obj, relation, subject, subjectOption };
        runner.SetAction(change, async (context, cancellationToken) =>
        {
            var (positional, named) = (context.Parse.GetValue(subject), context.Parse.GetValue(subjectOption));
            if (positional is not null && named is not null && positional != named)
            {
                throw new CliUsageException($"two subjects given ('{positional}' and --subject '{named}'); give one");
            }

            var who = positional ?? named ?? throw new CliUsageException($"name the subject, e.g. mesh relations {name} tool:clock invoker user:alice");
            var tuple = new Relation { Object = context.Parse.GetValue(obj) ?? "", Relation_ = context.Parse.GetValue(relation) ?? "", Subject = who };
            var options = context.Clients.Options(cancellationToken);
            var response = name == "write"
                ? await context.Clients.Permissions.WriteRelationsAsync(new WriteRelationsRequest { Relations = { tuple } }, options)
                : await context.Clients.Permissions.DeleteRelationsAsync(new DeleteRelationsRequest { Relations = { tuple } }, options);
            return IdentityTables.Done(context, response, $"{name}: {tuple.Object}#{tuple.Relation_}@{tuple.Subject} ({response.Changed} changed, revision {response.Revision})");
        });
        return change;
    }

    private static Command List(CommandRunner runner)
    {
        var obj = new Option<string?>("--object") { Description = "type:id, or a type" };
        var relation = new Option<string?>("--relation") { Description = "Only this relation" };
        var subject = new Option<string?>("--subject") { Description = "Only this subject" };
        var list = new Command("list", "List relations of your tenant (tenant admins)") { obj, relation, subject };
        runner.SetAction(list, async (context, cancellationToken) =>
        {
            var response = await context.Clients.Permissions.ReadRelationsAsync(new ReadRelationsRequest
            {
                Object = context.Parse.GetValue(obj) ?? "",
                Relation = context.Parse.GetValue(relation) ?? "",
                Subject = context.Parse.GetValue(subject) ?? "",
            }, context.Clients.Options(cancellationToken));
            return IdentityTables.Print(context, response, ["Object", "Relation", "Subject"],
                response.Relations.Select(r => new[] { r.Object, r.Relation_, r.Subject }));
        });
        return list;
    }

    private static Command Objects(CommandRunner runner)
    {
        var type = new Argument<string>("type") { Description = "tool, model, agent, analytics, tenant" };
        var relation = new Argument<string>("relation") { Description = "e.g. invoker" };
        var subject = new Option<string?>("--subject") { Description = "type:id; default: you" };
        var candidates = new Option<string[]>("--candidates") { Description = "Open objects to consider too, e.g. calculator,clock", AllowMultipleArgumentsPerToken = true };
        var objects = new Command("objects", "List the objects a subject holds a relation on") { type, relation, subject, candidates };
        runner.SetAction(objects, async (context, cancellationToken) =>
        {
            var request = new ListObjectsRequest { Type = context.Parse.GetValue(type) ?? "", Relation = context.Parse.GetValue(relation) ?? "", Subject = context.Parse.GetValue(subject) ?? "" };
            request.Candidates.AddRange(IdentityTables.List(context.Parse.GetValue(candidates)));
            var response = await context.Clients.Permissions.ListObjectsAsync(request, context.Clients.Options(cancellationToken));
            return IdentityTables.Print(context, response, ["Object"], response.Objects.Select(o => new[] { o }));
        });
        return objects;
    }
}

using System.CommandLine;
using Mesh.Cli.Configuration;
using Mesh.Tools.V1;

namespace Mesh.Cli.Commands;

/// <summary><c>mesh knowledge create|add|search|list|delete</c>: the tenant's knowledge sets.</summary>
public static class KnowledgeCommand
{
    public static Command Create(CommandRunner runner)
    {
        ArgumentNullException.ThrowIfNull(runner);
        var command = new Command("knowledge", "Knowledge sets: documents embedded through inference and searched by similarity");

        var name = new Argument<string>("name") { Description = "The set's name" };
        var description = new Option<string?>("--description") { Description = "What the set holds" };
        var model = new Option<string?>("--model") { Description = "The embedding model (default all-MiniLM-L6-v2)" };
        var create = new Command("create", "Create a knowledge set (tenant admins)") { name, description, model };
        runner.SetAction(create, async (context, cancellationToken) =>
        {
            var set = await context.Clients.Knowledge.CreateKnowledgeSetAsync(new CreateKnowledgeSetRequest
            {
                Name = context.Parse.GetValue(name) ?? "",
                Description = context.Parse.GetValue(description) ?? "",
                Model = context.Parse.GetValue(model) ?? "",
            }, context.Clients.Options(cancellationToken));
            return Sets(context, new ListKnowledgeSetsResponse { Sets = { set } });
        });

        var set = new Argument<string>("set") { Description = "The knowledge set" };
        var files = new Argument<string[]>("files") { Description = "Text or markdown files; each is one document, its id the file name", Arity = ArgumentArity.OneOrMore };
        var source = new Option<string?>("--source") { Description = "Where the documents come from, returned with search hits (default: the file's path)" };
        var add = new Command("add", "Chunk, embed and store documents (tenant admins)") { set, files, source };
        runner.SetAction(add, async (context, cancellationToken) =>
        {
            var request = new AddDocumentsRequest { Set = context.Parse.GetValue(set) ?? "" };
            foreach (var file in context.Parse.GetValue(files) ?? [])
            {
                request.Documents.Add(new KnowledgeSetDocument
                {
                    Id = Path.GetFileName(file),
                    Title = Path.GetFileNameWithoutExtension(file),
                    Source = context.Parse.GetValue(source) ?? file,
                    Text = await ReadAsync(file, cancellationToken),
                });
            }

            var added = await context.Output.WithStatusAsync("Embedding…", async _ =>
                await context.Clients.Knowledge.AddDocumentsAsync(request, context.Clients.Options(cancellationToken)));
            return IdentityTables.Done(context, added, $"added {added.Documents} documents ({added.Chunks} chunks, {added.EmbeddedTokens} tokens embedded)");
        });

        var searchSet = new Argument<string>("set") { Description = "The knowledge set (mesh-handbook is built in)" };
        var query = new Argument<string>("query") { Description = "What to look for" };
        var top = new Option<int>("--top-k", "-k") { Description = "How many chunks (1-20)", DefaultValueFactory = _ => 4 };
        var search = new Command("search", "The chunks most similar to a query, with scores and sources") { searchSet, query, top };
        runner.SetAction(search, async (context, cancellationToken) =>
        {
            var response = await context.Clients.Knowledge.SearchKnowledgeAsync(new SearchKnowledgeRequest
            {
                Set = context.Parse.GetValue(searchSet) ?? "",
                Query = context.Parse.GetValue(query) ?? "",
                TopK = context.Parse.GetValue(top),
            }, context.Clients.Options(cancellationToken));
            return IdentityTables.Print(context, response, ["Score", "Document", "Source", "Text"],
                response.Hits.Select(h => new[]
                {
                    h.Score.ToString("0.000", System.Globalization.CultureInfo.InvariantCulture),
                    h.Title.Length > 0 ? h.Title : h.DocumentId,
                    h.Source,
                    h.Text.Length > 120 ? h.Text[..117] + "..." : h.Text,
                }));
        });

        var list = new Command("list", "The tenant's knowledge sets and the built-in ones");
        runner.SetAction(list, async (context, cancellationToken) =>
            Sets(context, await context.Clients.Knowledge.ListKnowledgeSetsAsync(new ListKnowledgeSetsRequest(), context.Clients.Options(cancellationToken))));

        var which = new Argument<string>("name") { Description = "The set to delete" };
        var delete = new Command("delete", "Delete a knowledge set with its documents (tenant admins)") { which };
        runner.SetAction(delete, async (context, cancellationToken) =>
        {
            var deleted = await context.Clients.Knowledge.DeleteKnowledgeSetAsync(new DeleteKnowledgeSetRequest { Name = context.Parse.GetValue(which) ?? "" },
                context.Clients.Options(cancellationToken));
            return IdentityTables.Done(context, deleted, $"deleted {context.Parse.GetValue(which)} ({deleted.DocumentsRemoved} documents)");
        });

        command.Subcommands.Add(create);
        command.Subcommands.Add(add);
        command.Subcommands.Add(search);
        command.Subcommands.Add(list);
        command.Subcommands.Add(delete);
        return command;
    }

    private static int Sets(CommandContext context, ListKnowledgeSetsResponse response) =>
        IdentityTables.Print(context, response, ["Set", "Documents", "Chunks", "Model", "Built in", "Description"],
            response.Sets.Select(s => new[]
            {
                s.Name,
                s.Documents.ToString(System.Globalization.CultureInfo.InvariantCulture),
                s.Chunks.ToString(System.Globalization.CultureInfo.InvariantCulture),
                s.Model,
                s.BuiltIn ? "yes" : "",
                s.Description,
            }));

    private static async Task<string> ReadAsync(string file, CancellationToken cancellationToken)
    {
        try
        {
            return await File.ReadAllTextAsync(file, cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CliUsageException($"cannot read {file}: {ex.Message}", ex);
        }
    }
}

using Grpc.Core;
using Mesh.Agents.V1;
using Mesh.Identity.V1;
using Mesh.Inference.V1;
using Mesh.Testing;

namespace Mesh.Security.Tests.Trust;

/// <summary>One canonical form for every object id, at write and at check: no spelling gets round a relation.</summary>
public sealed class CanonicalIdTests(SecureMesh mesh) : IClassFixture<SecureMesh>
{
    [Theory]
    [InlineData("ALL-MINILM-L6-V2")]
    [InlineData("all-minilm-l6-v2")]
    [InlineData(" All-MiniLM-L6-v2 ")]
    public async Task Embed_OtherSpellingOfARestrictedModel_PermissionDenied(string spelling)
    {
        var (_, admin) = await mesh.CreateTenantAsync("case");
        var (_, carol) = await mesh.CreateUserAsync(admin, "carol");
        await mesh.CreateUserAsync(admin, "dave");
        await mesh.PermissionsClient.WriteRelationsAsync(new WriteRelationsRequest
        {
            Relations = { new Relation { Object = "model:all-MiniLM-L6-v2", Relation_ = "invoker", Subject = "user:dave" } },
        }, TestCalls.As(admin));

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            mesh.InferenceClient.EmbedAsync(new EmbedRequest { Model = spelling, Inputs = { "hello" } }, TestCalls.As(carol)).ResponseAsync);

        Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);
    }

    [Fact]
    public async Task RunAgent_RelationWrittenInUpperCase_RestrictsTheAgentItNames()
    {
        var (_, admin) = await mesh.CreateTenantAsync("agentcase");
        var (_, carol) = await mesh.CreateUserAsync(admin, "carol");
        await mesh.CreateUserAsync(admin, "dave");
        await mesh.PermissionsClient.WriteRelationsAsync(new WriteRelationsRequest
        {
            Relations = { new Relation { Object = "agent:Assistant", Relation_ = "invoker", Subject = "user:Dave" } },
        }, TestCalls.As(admin));

        var read = await mesh.PermissionsClient.ReadRelationsAsync(new ReadRelationsRequest { Object = "agent:ASSISTANT" }, TestCalls.As(admin));
        var error = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            using var run = mesh.AgentsClient.RunAgent(new RunAgentRequest { Input = "What is 1+1?", Agent = "assistant" }, TestCalls.As(carol));
            while (await run.ResponseStream.MoveNext(CancellationToken.None))
            {
            }
        });

        Assert.Equal("agent:assistant#invoker@user:dave", $"{read.Relations.Single().Object}#{read.Relations.Single().Relation_}@{read.Relations.Single().Subject}");
        Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);
    }

    [Fact]
    public async Task WriteRelations_IdWithAnInvisibleCharacter_InvalidArgument()
    {
        var (_, admin) = await mesh.CreateTenantAsync("zwsp");

        var error = await Assert.ThrowsAsync<RpcException>(() => mesh.PermissionsClient.WriteRelationsAsync(new WriteRelationsRequest
        {
            Relations = { new Relation { Object = "tool:calc\u200Bulator", Relation_ = "invoker", Subject = "user:admin" } },
        }, TestCalls.As(admin)).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
    }
}

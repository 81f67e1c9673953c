using System.ClientModel;
using System.ClientModel.Primitives;
using System.Globalization;
using System.Text.Json;
using Mesh.Identity.V1;
using Mesh.Testing;
using OpenAI;

namespace Mesh.Security.Tests;

/// <summary>The OpenAI-compatible front draws on the same budgets as gRPC: a used-up budget is 429 in OpenAI's shape.</summary>
public sealed class OpenAiBudgetTests(SecureMesh mesh) : IClassFixture<SecureMesh>
{
    [Fact]
    public async Task Embeddings_BudgetUsedUp_429InsufficientQuotaAndTheCallsBilledToTheBudget()
    {
        var (_, admin) = await mesh.CreateTenantAsync("openai");
        var (_, user) = await mesh.CreateUserAsync(admin, "dora");
        await mesh.BudgetsClient.SetBudgetAsync(new SetBudgetRequest { Scope = "user:dora", CostLimitUsd = "0.0000001" }, TestCalls.As(admin));
        var http = mesh.Inference.CreateClient();
        http.Timeout = TimeSpan.FromSeconds(30);
        var client = new OpenAIClient(new ApiKeyCredential(user), new OpenAIClientOptions
        {
            Endpoint = new Uri(mesh.Inference.Server.BaseAddress, "/v1"),
            Transport = new HttpClientPipelineTransport(http),
            RetryPolicy = new ClientRetryPolicy(0),
        }).GetEmbeddingClient("all-MiniLM-L6-v2");

        ClientResultException? refused = null;
        var admitted = 0;
        for (var i = 0; i < 5 && refused is null; i++)
        {
            try
            {
                await client.GenerateEmbeddingAsync("the mesh meters every call");
                admitted++;
                await mesh.SettledBudgetAsync(admin, "user:dora");
            }
            catch (ClientResultException ex)
            {
                refused = ex;
            }
        }

        Assert.NotNull(refused);
        Assert.Equal(429, refused.Status);
        Assert.True(admitted >= 1);
        var body = JsonDocument.Parse(refused.GetRawResponse()!.Content.ToString()).RootElement.GetProperty("error");
        Assert.Equal("insufficient_quota", body.GetProperty("code").GetString());
        Assert.Equal("insufficient_quota", body.GetProperty("type").GetString());
        Assert.Contains("user:dora", body.GetProperty("message").GetString(), StringComparison.Ordinal);
        var budget = await mesh.SettledBudgetAsync(admin, "user:dora");
        Assert.True(decimal.Parse(budget.SpentUsd, CultureInfo.InvariantCulture) > 0, "the admitted HTTP calls were billed to the budget");
    }
}

using System.Text;
using System.Text.Json;
using Grpc.Core;
using Json.Schema;
using Mesh.Inference.Generation;
using Mesh.Inference.Structured;
using Mesh.Inference.V1;
using Mesh.Testing;

namespace Mesh.Inference.Tests.Structured;

/// <summary>
/// Constrained decoding against a real JSON Schema validator: random walks through the masks over
/// GPT-2's vocabulary (any allowed token, in any order, under any budget) always end in JSON that
/// matches the schema; Generate with json_schema answers such JSON; unsupported keywords are refused by name.
/// </summary>
[Collection(InferenceHostCollection.Name)]
public sealed class ConstrainedDecodingTests(InferenceHost host)
{
    private static readonly TokenTable Gpt2 = TokenTable.For(DecoderModelLoader.Gpt2Tokenizer, DecoderModelLoader.Gpt2EndOfText);

    public static TheoryData<string> Schemas() =>
    [
        """{"type":"object","properties":{"name":{"type":"string","minLength":2,"maxLength":8},"age":{"type":"integer"},"ok":{"type":"boolean"}},"required":["name","age","ok"],"additionalProperties":false}""",
        """{"type":"object","properties":{"a":{"type":"number"},"b":{"type":"string"},"c":{"enum":["x","yy",3,null]}},"required":["c"],"additionalProperties":false}""",
        """{"type":"array","items":{"anyOf":[{"type":"integer"},{"type":"string","maxLength":3}]},"minItems":2,"maxItems":4}""",
        """{"$defs":{"node":{"type":"object","properties":{"v":{"type":"integer"},"next":{"anyOf":[{"$ref":"#/$defs/node"},{"type":"null"}]}},"required":["v","next"],"additionalProperties":false}},"$ref":"#/$defs/node"}""",
        """{"type":"object"}""",
        """{"type":["string","null"],"maxLength":5}""",
        """{"const":{"fixed":[1,2]}}""",
    ];

    [Theory]
    [MemberData(nameof(Schemas))]
    public void RandomWalkThroughMasks_AnyBudget_EndsInJsonMatchingTheSchema(string schemaJson)
    {
        var schema = JsonSchema.FromText(schemaJson);
        var grammar = new SchemaGrammar(JsonSchemaCompiler.Compile(schemaJson), Gpt2, DecoderModelLoader.Gpt2EndOfText);
        var random = new Random(schemaJson.Length);
        for (var walk = 0; walk < 12; walk++)
        {
            var budget = random.Next(24, 80);
            var constraint = new JsonConstraint(grammar);
            var text = new StringBuilder();
            var ended = false;
            for (var left = budget; left > 0 && !ended; left--)
            {
                var allowed = Ids(constraint.Allowed(left));
                Assert.NotEmpty(allowed);
                // Prefer ending, as a model whose value is done would; else any allowed token.
                var token = allowed.Contains(DecoderModelLoader.Gpt2EndOfText) && random.Next(3) > 0 ? DecoderModelLoader.Gpt2EndOfText : allowed[random.Next(allowed.Count)];
                ended = token == DecoderModelLoader.Gpt2EndOfText;
                if (!ended)
                {
                    constraint.Accept(token);
                    text.Append(Gpt2.Texts[token]);
                }
            }

            var json = text.ToString();
            var parsed = JsonDocument.Parse(json);
            var result = schema.Evaluate(parsed.RootElement);
            Assert.True(result.IsValid, $"{json} does not match {schemaJson}");
        }
    }

    [Theory]
    [InlineData("""{"type":"string","pattern":"^a+$"}""", "'pattern'", "#")]
    [InlineData("""{"type":"object","properties":{"n":{"type":"integer","minimum":1}}}""", "'minimum'", "#/properties/n")]
    [InlineData("""{"oneOf":[{"type":"string"}]}""", "'oneOf'", "#")]
    [InlineData("""{"$ref":"https://example.com/schema"}""", "only references inside the schema", "https://example.com/schema")]
    public void Compile_UnsupportedKeyword_InvalidArgumentNamingItAndWhere(string schema, string says, string where)
    {
        var error = Assert.Throws<RpcException>(() => JsonSchemaCompiler.Compile(schema));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains(says, error.Status.Detail, StringComparison.Ordinal);
        Assert.Contains($"(at {where})", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Generate_JsonSchema_StreamsJsonMatchingItAndFinishes()
    {
        const string SchemaJson = """{"type":"object","properties":{"title":{"type":"string","maxLength":10},"pages":{"type":"integer"}},"required":["title","pages"],"additionalProperties":false}""";
        var request = new GenerateRequest { Model = "tiny-gpt", Prompt = "A book:", MaxTokens = 40, Temperature = 0.7f, Seed = 11, JsonSchema = SchemaJson };

        using var call = host.CreateClient().Generate(request, TestCalls.As(TestKeys.Acme));
        var (text, _, last) = await GenerateTests.ReadAll(call);

        Assert.True(JsonSchema.FromText(SchemaJson).Evaluate(JsonDocument.Parse(text).RootElement).IsValid, text);
        Assert.Equal("eos", last.FinishReason);
    }

    private static List<int> Ids(ReadOnlySpan<ulong> bits)
    {
        var ids = new List<int>();
        for (var w = 0; w < bits.Length; w++)
        {
            for (var word = bits[w]; word != 0; word &= word - 1)
            {
                ids.Add((w << 6) + System.Numerics.BitOperations.TrailingZeroCount(word));
            }
        }

        return ids;
    }
}

using System.Text;
using Mesh.Inference.Embeddings;
using Mesh.Inference.Models;

namespace Mesh.Inference.Tests;

public sealed class ModelRepositoryTests
{
    private static readonly string Package = ModelCatalog.MiniLmL6V2.PackagePath(Path.Combine(AppContext.BaseDirectory, "models"));

    [Fact]
    public void Read_VocabularyResource_ReturnsBertVocabulary()
    {
        var vocabulary = Encoding.UTF8.GetString(EmbeddedResourceReader.Read(Package, ModelCatalog.MiniLmL6V2.VocabularyResource));

        var lines = vocabulary.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("[PAD]", lines[0].Trim());
        Assert.Contains("[CLS]", lines.Select(l => l.Trim()));
        Assert.Equal(30522, lines.Length);
    }

    [Fact]
    public void Read_UnknownResource_ThrowsListingTheResourcesPresent()
    {
        var error = Assert.Throws<InvalidDataException>(() => EmbeddedResourceReader.Read(Package, "nope.onnx"));

        Assert.Contains("nope.onnx", error.Message, StringComparison.Ordinal);
        Assert.Contains(ModelCatalog.MiniLmL6V2.ModelResource, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_MissingFile_ThrowsNamingThePathAndSetting()
    {
        var path = Path.Combine(Path.GetTempPath(), $"{Guid.NewGuid():N}.dll");

        var error = Assert.Throws<FileNotFoundException>(() => EmbeddedResourceReader.Read(path, "x"));

        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains("ModelRoot", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_ShortAndLongInputs_PadsToLongestAndCountsTruncation()
    {
        var tokenizer = EmbeddingModelLoader.LoadTokenizer(Package, ModelCatalog.MiniLmL6V2);
        var longText = string.Join(' ', Enumerable.Repeat("mesh", 40));

        var batch = TokenizedBatch.Create(tokenizer, ["hello world", longText], maxTokens: 16);

        Assert.Equal([4, 16], batch.TokenCounts);
        Assert.Equal(1, batch.TruncatedInputs);
        Assert.Equal([2L, 16L], batch.Shape);
        Assert.Equal([101L, 7592L, 2088L, 102L], batch.InputIds[..4]);
        Assert.All(batch.InputIds[4..16], id => Assert.Equal(0L, id));
        Assert.Equal(4, batch.AttentionMask[..16].Sum(m => m));
        Assert.Equal(102L, batch.InputIds[31]);
        Assert.All(batch.TokenTypeIds, t => Assert.Equal(0L, t));
    }

    [Fact]
    public void Catalog_FindIgnoringCase_ReturnsCanonicalModel()
    {
        var catalog = new ModelCatalog();

        Assert.True(catalog.TryFind("ALL-minilm-l6-v2", out var model));
        Assert.Equal("all-MiniLM-L6-v2", model.Name);
        Assert.False(catalog.TryFind("all-MiniLM-L12-v2", out _));
    }
}

namespace Mesh.Inference.Models;

/// <summary>Reads a model's ONNX graph from the repository: the model file itself, or a resource embedded in it.</summary>
public static class ModelFiles
{
    public static byte[] ReadGraph(ModelDescriptor descriptor, string modelRoot)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        BuiltinModels.EnsureFiles(descriptor, modelRoot);
        var path = descriptor.PackagePath(modelRoot);
        if (!string.IsNullOrEmpty(descriptor.ModelResource))
        {
            return EmbeddedResourceReader.Read(path, descriptor.ModelResource);
        }

        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"model file '{path}' does not exist; check {InferenceOptions.SectionName}:ModelRoot and the model's {ModelConfigFile.FileName}", path);
        }

        return File.ReadAllBytes(path);
    }
}

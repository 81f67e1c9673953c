using Microsoft.Extensions.Options;

namespace Mesh.Inference.Models;

/// <summary>
/// Reads the model repository: every folder of <c>Mesh:Inference:ModelRoot</c> with a
/// <c>model.json</c> is a model named after the folder (or the config's <c>name</c>); a
/// folder named like a built-in model tunes that model. Unreadable configs are reported,
/// not fatal: the other models still serve.
/// </summary>
public sealed partial class ModelRepository(IOptions<InferenceOptions> options, ModelCatalog catalog, ILogger<ModelRepository> logger)
{
    private readonly Dictionary<string, string> _problems = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Folder name → why its config could not be used, from the last scan.</summary>
    public IReadOnlyDictionary<string, string> Problems
    {
        get
        {
            lock (_problems)
            {
                return new Dictionary<string, string>(_problems, StringComparer.OrdinalIgnoreCase);
            }
        }
    }

    /// <summary>Rescans the repository into the catalog.</summary>
    public void Scan()
    {
        var root = options.Value.ResolvedModelRoot;
        var models = BuiltinModels.All.ToDictionary(m => m.Name, StringComparer.OrdinalIgnoreCase);
        var problems = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (Directory.Exists(root))
        {
            foreach (var folder in Directory.EnumerateDirectories(root).Order(StringComparer.Ordinal))
            {
                var name = Path.GetFileName(folder);
                var configPath = Path.Combine(folder, ModelConfigFile.FileName);
                if (!File.Exists(configPath))
                {
                    continue;
                }

                try
                {
                    var config = ModelConfigFile.Read(configPath);
                    var descriptor = config.ToDescriptor(name, models.GetValueOrDefault(config.Name ?? name));
                    models[descriptor.Name] = descriptor;
                }
                catch (Exception ex) when (ex is InvalidDataException or IOException or UnauthorizedAccessException)
                {
                    problems[name] = ex.Message;
                    LogBadConfig(logger, configPath, ex.Message);
                }
            }
        }

        lock (_problems)
        {
            _problems.Clear();
            foreach (var (name, problem) in problems)
            {
                _problems[name] = problem;
            }
        }

        catalog.Replace(models.Values);
    }

    [LoggerMessage(EventId = 40, Level = LogLevel.Warning, Message = "Model config {Path} is not usable, the model is skipped: {Problem}")]
    private static partial void LogBadConfig(ILogger logger, string path, string problem);
}

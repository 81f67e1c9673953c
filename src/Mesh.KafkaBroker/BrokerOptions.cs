namespace Mesh.KafkaBroker;

/// <summary>How the broker is laid out (<c>Broker</c> section, or command-line switches).</summary>
public sealed class BrokerOptions
{
    public const string SectionName = "Broker";

    /// <summary>The first broker's loopback port; broker n listens on Port + n - 1. 0 picks free ports.</summary>
    public int Port { get; set; } = 9092;

    /// <summary>The control API's loopback port; 0 picks a free one.</summary>
    public int ControlPort { get; set; } = 9192;

    public int Brokers { get; set; } = 1;

    /// <summary>Topics created at start, each <c>name:partitions</c>.</summary>
    public string Topics { get; set; } = "mesh.usage.v1:64,mesh.usage.v1.dlq:4";

    /// <summary>Every problem with the settings, empty when they are valid.</summary>
    public IEnumerable<string> Problems()
    {
        if (Port is < 0 or > 65535 || ControlPort is < 0 or > 65535)
        {
            yield return "ports must be between 0 and 65535";
        }

        if (Brokers is < 1 or > 16)
        {
            yield return "Brokers must be between 1 and 16";
        }

        foreach (var topic in Topics.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!TryParseTopic(topic, out _, out _))
            {
                yield return $"topic '{topic}' must be name:partitions with 1 to 1000 partitions";
            }
        }
    }

    public IEnumerable<(string Name, int Partitions)> TopicList()
    {
        foreach (var topic in Topics.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (TryParseTopic(topic, out var name, out var partitions))
            {
                yield return (name, partitions);
            }
        }
    }

    private static bool TryParseTopic(string text, out string name, out int partitions)
    {
        var colon = text.LastIndexOf(':');
        name = colon > 0 ? text[..colon] : "";
        partitions = 0;
        return colon > 0
            && int.TryParse(text[(colon + 1)..], System.Globalization.CultureInfo.InvariantCulture, out partitions)
            && partitions is >= 1 and <= 1000;
    }
}

using Mesh.ServiceDefaults.Errors;

namespace Mesh.Tools.Egress;

/// <summary>Reads and replaces tenants' HTTP allow-lists; every entry is checked before the list is stored.</summary>
public sealed class HttpAllowLists(AllowListStore store)
{
    public const int MaxEntries = 256;

    public AllowList For(string tenant) => new([.. store.Get(tenant).Select(h => AllowListEntry.Parse(h, out _)).OfType<AllowListEntry>()]);

    public IReadOnlyList<string> Get(string tenant) => store.Get(tenant);

    /// <summary>Replaces the list; InvalidArgument naming every bad entry (nothing stored then).</summary>
    public IReadOnlyList<string> Set(string tenant, IEnumerable<string> hosts)
    {
        ArgumentNullException.ThrowIfNull(hosts);
        var entries = new List<string>();
        var problems = new List<string>();
        foreach (var (host, index) in hosts.Select((h, i) => (h, i)))
        {
            if (AllowListEntry.Parse(host, out var problem) is { } entry)
            {
                entries.Add(entry.ToString());
            }
            else
            {
                problems.Add($"hosts[{index}]: {problem}");
            }
        }

        if (entries.Count > MaxEntries)
        {
            problems.Add($"{entries.Count} hosts; at most {MaxEntries}");
        }

        if (problems.Count > 0)
        {
            throw MeshErrors.InvalidArgument("hosts", string.Join("; ", problems));
        }

        var distinct = entries.Distinct(StringComparer.Ordinal).ToList();
        store.Set(tenant, distinct);
        return distinct;
    }
}

namespace Mesh.Agents.Workflows.Definitions;

/// <summary>The cycles of a step graph: its strongly connected components with more than one step, or a step that leads to itself (Tarjan).</summary>
public static class Cycles
{
    public static List<List<string>> Find(IReadOnlyList<string> nodes, IReadOnlyDictionary<string, List<string>> edges)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        ArgumentNullException.ThrowIfNull(edges);
        var index = 0;
        var indices = new Dictionary<string, int>(StringComparer.Ordinal);
        var lowLinks = new Dictionary<string, int>(StringComparer.Ordinal);
        var onStack = new HashSet<string>(StringComparer.Ordinal);
        var stack = new Stack<string>();
        var cycles = new List<List<string>>();

        void Connect(string node)
        {
            indices[node] = lowLinks[node] = index++;
            stack.Push(node);
            onStack.Add(node);
            foreach (var next in edges[node])
            {
                if (!indices.TryGetValue(next, out var nextIndex))
                {
                    Connect(next);
                    lowLinks[node] = Math.Min(lowLinks[node], lowLinks[next]);
                }
                else if (onStack.Contains(next))
                {
                    lowLinks[node] = Math.Min(lowLinks[node], nextIndex);
                }
            }

            if (lowLinks[node] != indices[node])
            {
                return;
            }

            var component = new List<string>();
            string member;
            do
            {
                member = stack.Pop();
                onStack.Remove(member);
                component.Add(member);
            }
            while (member != node);
            if (component.Count > 1 || edges[node].Contains(node))
            {
                component.Reverse();
                cycles.Add(component);
            }
        }

        foreach (var node in nodes.Where(n => !indices.ContainsKey(n)))
        {
            Connect(node);
        }

        return cycles;
    }
}

namespace Mesh.Tools.Calculator;

/// <summary>The named constants and functions an expression may use.</summary>
public static class Functions
{
    private static readonly Dictionary<string, double> Constants = new(StringComparer.OrdinalIgnoreCase)
    {
        ["pi"] = Math.PI,
        ["e"] = Math.E,
    };

    private static readonly Dictionary<string, Function> Table = new(StringComparer.OrdinalIgnoreCase)
    {
        ["sqrt"] = new(1, 1, a => Math.Sqrt(a[0])),
        ["abs"] = new(1, 1, a => Math.Abs(a[0])),
        ["ln"] = new(1, 1, a => Math.Log(a[0])),
        ["log10"] = new(1, 1, a => Math.Log10(a[0])),
        ["exp"] = new(1, 1, a => Math.Exp(a[0])),
        ["floor"] = new(1, 1, a => Math.Floor(a[0])),
        ["ceil"] = new(1, 1, a => Math.Ceiling(a[0])),
        ["round"] = new(1, 2, Round),
        ["min"] = new(1, int.MaxValue, a => a.Min()),
        ["max"] = new(1, int.MaxValue, a => a.Max()),
    };

    public static string ConstantNames { get; } = string.Join(", ", Constants.Keys.Order(StringComparer.Ordinal));

    public static string FunctionNames { get; } = string.Join(", ", Table.Keys.Order(StringComparer.Ordinal));

    public static double Constant(CallNode node)
    {
        ArgumentNullException.ThrowIfNull(node);
        if (Constants.TryGetValue(node.Name, out var value))
        {
            return value;
        }

        var hint = Table.ContainsKey(node.Name) ? $"{node.Name} is a function: call it as {node.Name}(...)" : $"known constants: {ConstantNames}";
        throw new CalculatorException($"unknown name '{node.Name}' at position {node.Position}; {hint}", node.Position);
    }

    public static double Call(CallNode node, double[] arguments)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(arguments);
        if (!Table.TryGetValue(node.Name, out var function))
        {
            throw new CalculatorException($"unknown function '{node.Name}' at position {node.Position}; known functions: {FunctionNames}", node.Position);
        }

        if (arguments.Length < function.MinArguments || arguments.Length > function.MaxArguments)
        {
            throw new CalculatorException(
                $"function '{node.Name}' at position {node.Position} takes {function.Arity()}, got {arguments.Length}", node.Position);
        }

        return function.Apply(arguments);
    }

    private static double Round(double[] a)
    {
        if (a.Length == 1)
        {
            return Math.Round(a[0], MidpointRounding.AwayFromZero);
        }

        if (a[1] != Math.Floor(a[1]) || a[1] is < 0 or > 15)
        {
            return double.NaN;
        }

        return Math.Round(a[0], (int)a[1], MidpointRounding.AwayFromZero);
    }

    private sealed record Function(int MinArguments, int MaxArguments, Func<double[], double> Apply)
    {
        public string Arity() => (MinArguments, MaxArguments) switch
        {
            (1, 1) => "1 argument",
            (var min, int.MaxValue) => $"at least {min} argument(s)",
            var (min, max) => $"{min} to {max} arguments",
        };
    }
}

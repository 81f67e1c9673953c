namespace Mesh.Inference.Structured;

/// <summary>
/// Matches JSON text against a compiled schema one character at a time: from a stack of frames,
/// the stacks a character leads to (none: the character cannot come next). Compact JSON, with at
/// most one space after ':' and ','; strings of printable ASCII and JSON escapes.
/// </summary>
public static class JsonMatcher
{
    public static void Feed(FrameStack stack, char c, List<FrameStack> into)
    {
        ArgumentNullException.ThrowIfNull(stack);
        ArgumentNullException.ThrowIfNull(into);
        switch (stack.Top)
        {
            case StartFrame start:
                Start(start.Node, stack.Rest!, c, into);
                break;
            case StringFrame s:
                String(s, stack, c, into);
                break;
            case LiteralFrame l when l.Text[l.Position] == c:
                into.Add(l.Position + 1 == l.Text.Length ? Complete(stack.Rest) : stack.With(l with { Position = l.Position + 1 }));
                break;
            case NumberFrame n:
                Number(n, stack, c, into);
                break;
            case ObjectFrame o:
                Object(o, stack, c, into);
                break;
            case ArrayFrame a:
                Array(a, stack, c, into);
                break;
        }
    }

    /// <summary>May the text end here (the value is complete, or a complete top-level number)?</summary>
    public static bool CanEnd(FrameStack stack)
    {
        ArgumentNullException.ThrowIfNull(stack);
        return stack.Top is DoneFrame || (stack.Top is NumberFrame { Accepting: true } && Complete(stack.Rest).Top is DoneFrame);
    }

    /// <summary>The fewest characters that finish the value from here (each is at most one token).</summary>
    public static int MinCompletion(FrameStack stack)
    {
        ArgumentNullException.ThrowIfNull(stack);
        var total = 0;
        for (var s = stack; s is not null; s = s.Rest)
        {
            total += Remaining(s.Top);
        }

        return total;
    }

    /// <summary>A start frame for <paramref name="node"/> as the whole value.</summary>
    public static FrameStack Begin(SchemaNode node) => new(new StartFrame(node), FrameStack.Done);

    private static void Start(SchemaNode node, FrameStack rest, char c, List<FrameStack> into)
    {
        switch (node)
        {
            case AnyNode:
                SchemaNode? free = c switch
                {
                    '{' => AnyNode.FreeObject,
                    '[' => AnyNode.FreeArray,
                    '"' => AnyNode.FreeString,
                    't' => new LiteralNode("true"),
                    'f' => new LiteralNode("false"),
                    'n' => new LiteralNode("null"),
                    '-' or (>= '0' and <= '9') => new NumberNode(false),
                    _ => null,
                };
                if (free is not null)
                {
                    Start(free, rest, c, into);
                }

                break;
            case StringNode s when c == '"':
                into.Add(rest.Push(new StringFrame(s, 0, 0)));
                break;
            case NumberNode n:
                Number(new NumberFrame(n.Integer, NumberPhase.Begin, 0), rest.Push(new NumberFrame(n.Integer, NumberPhase.Begin, 0)), c, into);
                break;
            case LiteralNode l when l.Json[0] == c:
                into.Add(l.Json.Length == 1 ? Complete(rest) : rest.Push(new LiteralFrame(l.Json, 1)));
                break;
            case ChoiceNode choice:
                foreach (var option in choice.Options)
                {
                    Start(option, rest, c, into);
                }

                break;
            case ObjectNode o when c == '{':
                into.Add(rest.Push(new ObjectFrame(o, 0, ObjectPhase.AfterOpen, "")));
                break;
            case ArrayNode a when c == '[':
                into.Add(rest.Push(new ArrayFrame(a, 0, ArrayPhase.AfterOpen)));
                break;
            case RefNode r when r.Target is not null:
                Start(r.Target, rest, c, into);
                break;
        }
    }

    private static void String(StringFrame s, FrameStack stack, char c, List<FrameStack> into)
    {
        var node = s.Node;
        if (s.Escape == 0)
        {
            if (c == '"')
            {
                if (s.Length >= node.MinChars)
                {
                    into.Add(Complete(stack.Rest));
                }
            }
            else if (s.Length < node.MaxChars && c is >= ' ' and <= '~')
            {
                into.Add(stack.With(c == '\\' ? s with { Escape = 1 } : Grow(s)));
            }
        }
        else if (s.Escape == 1)
        {
            if (c is '"' or '\\' or '/' or 'b' or 'f' or 'n' or 'r' or 't')
            {
                into.Add(stack.With(Grow(s) with { Escape = 0 }));
            }
            else if (c == 'u')
            {
                into.Add(stack.With(s with { Escape = 5 }));
            }
        }
        else if (char.IsAsciiHexDigit(c))
        {
            into.Add(stack.With(s.Escape == 2 ? Grow(s) with { Escape = 0 } : s with { Escape = s.Escape - 1 }));
        }
    }

    /// <summary>One more character; past the minimum, an unbounded string's length no longer matters (equal states share masks).</summary>
    private static StringFrame Grow(StringFrame s) =>
        s with { Length = s.Node.MaxChars == int.MaxValue && s.Length >= s.Node.MinChars ? s.Node.MinChars : s.Length + 1 };

    private static void Number(NumberFrame n, FrameStack stack, char c, List<FrameStack> into)
    {
        var digit = c is >= '0' and <= '9';
        var next = (n.Phase, c) switch
        {
            (NumberPhase.Begin, '-') => NumberPhase.Minus,
            (NumberPhase.Begin or NumberPhase.Minus, '0') => NumberPhase.Zero,
            (NumberPhase.Begin or NumberPhase.Minus, >= '1' and <= '9') => NumberPhase.Integer,
            (NumberPhase.Integer, _) when digit => NumberPhase.Integer,
            (NumberPhase.Zero or NumberPhase.Integer, '.') when !n.Integer => NumberPhase.Dot,
            (NumberPhase.Dot or NumberPhase.Fraction, _) when digit => NumberPhase.Fraction,
            (NumberPhase.Zero or NumberPhase.Integer or NumberPhase.Fraction, 'e' or 'E') when !n.Integer => NumberPhase.Exponent,
            (NumberPhase.Exponent, '+' or '-') => NumberPhase.ExponentSign,
            (NumberPhase.Exponent or NumberPhase.ExponentSign or NumberPhase.ExponentDigits, _) when digit => NumberPhase.ExponentDigits,
            _ => (NumberPhase?)null,
        };
        // Past the length limit a number may only finish (a '.', 'e' or '-' still gets its digit).
        if (next is { } phase && (n.Length < NumberFrame.MaxLength || !n.Accepting))
        {
            into.Add(stack.With(n with { Phase = phase, Length = n.Length + 1 }));
        }
        else if (n.Accepting && next is null)
        {
            var parent = Complete(stack.Rest);
            if (parent.Top is not DoneFrame)
            {
                Feed(parent, c, into);
            }
        }
    }

    private static void Object(ObjectFrame o, FrameStack stack, char c, List<FrameStack> into)
    {
        var node = o.Node;
        switch (o.Phase)
        {
            case ObjectPhase.AfterOpen or ObjectPhase.AfterComma or ObjectPhase.AfterCommaSpace:
                if (c == '}' && o.Phase == ObjectPhase.AfterOpen && node.RequiredFrom(o.Next) == 0)
                {
                    into.Add(Complete(stack.Rest));
                }
                else if (c == ' ' && o.Phase == ObjectPhase.AfterComma)
                {
                    into.Add(stack.With(o with { Phase = ObjectPhase.AfterCommaSpace }));
                }
                else if (c == '"' && node.Free)
                {
                    into.Add(stack.With(o with { Phase = ObjectPhase.KeyString }).Push(new StringFrame(AnyNode.FreeString, 0, 0)));
                }
                else if (c == '"' && node.Candidates(o.Next).Any())
                {
                    into.Add(stack.With(o with { Phase = ObjectPhase.InKey, Key = "" }));
                }

                break;
            case ObjectPhase.InKey:
                foreach (var i in node.Candidates(o.Next))
                {
                    var name = node.Properties[i].Name;
                    if (c == '"' && name == o.Key)
                    {
                        into.Add(stack.With(o with { Next = i, Phase = ObjectPhase.ExpectColon, Key = "" }));
                    }
                    else if (name.Length > o.Key.Length && name[o.Key.Length] == c && name.StartsWith(o.Key, StringComparison.Ordinal))
                    {
                        into.Add(stack.With(o with { Key = o.Key + c }));
                        break;
                    }
                }

                break;
            case ObjectPhase.ExpectColon when c == ':':
                into.Add(stack.With(o with { Phase = ObjectPhase.AfterColon }));
                break;
            case ObjectPhase.AfterColon or ObjectPhase.AfterColonSpace:
                if (c == ' ' && o.Phase == ObjectPhase.AfterColon)
                {
                    into.Add(stack.With(o with { Phase = ObjectPhase.AfterColonSpace }));
                }
                else
                {
                    var value = node.Free ? AnyNode.Instance : node.Properties[o.Next].Value;
                    Start(value, stack.With(o with { Phase = ObjectPhase.InValue }), c, into);
                }

                break;
            case ObjectPhase.AfterValue:
                if (c == '}' && node.RequiredFrom(o.Next) == 0)
                {
                    into.Add(Complete(stack.Rest));
                }
                else if (c == ',' && (node.Free || o.Next < node.Properties.Count))
                {
                    into.Add(stack.With(o with { Phase = ObjectPhase.AfterComma }));
                }

                break;
        }
    }

    private static void Array(ArrayFrame a, FrameStack stack, char c, List<FrameStack> into)
    {
        var node = a.Node;
        switch (a.Phase)
        {
            case ArrayPhase.AfterOpen when c == ']' && node.MinItems == 0:
                into.Add(Complete(stack.Rest));
                break;
            case ArrayPhase.AfterComma when c == ' ':
                into.Add(stack.With(a with { Phase = ArrayPhase.AfterCommaSpace }));
                break;
            case ArrayPhase.AfterOpen or ArrayPhase.AfterComma or ArrayPhase.AfterCommaSpace when a.Count < node.MaxItems:
                Start(node.Items, stack.With(a with { Phase = ArrayPhase.InValue }), c, into);
                break;
            case ArrayPhase.AfterValue when c == ']' && a.Count >= node.MinItems:
                into.Add(Complete(stack.Rest));
                break;
            case ArrayPhase.AfterValue when c == ',' && a.Count < node.MaxItems:
                into.Add(stack.With(a with { Phase = ArrayPhase.AfterComma }));
                break;
        }
    }

    /// <summary>The stack once the value on top of <paramref name="rest"/> is finished: its container moves past it.</summary>
    private static FrameStack Complete(FrameStack? rest) => rest?.Top switch
    {
        ObjectFrame { Phase: ObjectPhase.KeyString } o => rest.With(o with { Phase = ObjectPhase.ExpectColon }),
        ObjectFrame o => rest.With(o with { Phase = ObjectPhase.AfterValue, Next = o.Node.Free ? 0 : o.Next + 1 }),
        // Past the minimum, an unbounded array's count no longer matters (equal states share masks).
        ArrayFrame a => rest.With(a with { Phase = ArrayPhase.AfterValue, Count = a.Node.MaxItems == int.MaxValue && a.Count + 1 >= a.Node.MinItems ? a.Node.MinItems : a.Count + 1 }),
        _ => FrameStack.Done,
    };

    private static int Remaining(Frame frame) => frame switch
    {
        StartFrame s => s.Node.MinLength,
        StringFrame s => (s.Escape switch { 0 => 0, 1 => 1, _ => s.Escape - 1 }) + Math.Max(0, s.Node.MinChars - s.Length - (s.Escape > 0 ? 1 : 0)) + 1,
        LiteralFrame l => l.Text.Length - l.Position,
        NumberFrame n => n.Accepting ? 0 : 1,
        ObjectFrame o => Remaining(o),
        ArrayFrame a => Remaining(a),
        _ => 0,
    };

    private static int Remaining(ObjectFrame o)
    {
        var node = o.Node;
        if (node.Free)
        {
            return o.Phase switch
            {
                ObjectPhase.AfterComma or ObjectPhase.AfterCommaSpace => 5,
                ObjectPhase.ExpectColon => 3,
                ObjectPhase.AfterColon or ObjectPhase.AfterColonSpace or ObjectPhase.KeyString => 2,
                _ => 1,
            };
        }

        int KeyFrom(int typed) => node.Candidates(o.Next).Min(i => node.Properties[i].MinLength - 2 - typed + node.RequiredFrom(i + 1));
        var current = o.Next < node.Properties.Count ? node.Properties[o.Next] : null;
        return 1 + o.Phase switch
        {
            ObjectPhase.AfterOpen => Math.Max(0, node.RequiredFrom(o.Next) - 1),
            ObjectPhase.AfterComma or ObjectPhase.AfterCommaSpace => node.Candidates(o.Next).Any() ? KeyFrom(0) + 1 : 0,
            ObjectPhase.InKey => node.Candidates(o.Next).Where(i => node.Properties[i].Name.StartsWith(o.Key, StringComparison.Ordinal))
                .Select(i => node.Properties[i].MinLength - 2 - o.Key.Length + node.RequiredFrom(i + 1)).DefaultIfEmpty(0).Min(),
            ObjectPhase.ExpectColon => 1 + current!.Value.MinLength + node.RequiredFrom(o.Next + 1),
            ObjectPhase.AfterColon or ObjectPhase.AfterColonSpace => current!.Value.MinLength + node.RequiredFrom(o.Next + 1),
            ObjectPhase.InValue => node.RequiredFrom(o.Next + 1),
            _ => node.RequiredFrom(o.Next),
        };
    }

    private static int Remaining(ArrayFrame a)
    {
        var item = a.Node.Items.MinLength + 1;
        return a.Phase switch
        {
            ArrayPhase.AfterOpen => a.Node.MinItems == 0 ? 1 : a.Node.MinItems * item,
            ArrayPhase.InValue => (Math.Max(0, a.Node.MinItems - a.Count - 1) * item) + 1,
            ArrayPhase.AfterValue => (Math.Max(0, a.Node.MinItems - a.Count) * item) + 1,
            _ => (Math.Max(1, a.Node.MinItems - a.Count) * item),
        };
    }
}

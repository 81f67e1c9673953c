namespace Mesh.Inference.Structured;

/// <summary>Where the matcher is inside one value; frames are values, so equal states compare equal.</summary>
public abstract record Frame;

/// <summary>The next character starts a value of <see cref="Node"/>.</summary>
public sealed record StartFrame(SchemaNode Node) : Frame;

/// <summary>Inside a string: characters so far (capped once the length no longer matters) and an escape in progress (1: after '\', 2-5: hex digits left + 1).</summary>
public sealed record StringFrame(StringNode Node, int Length, int Escape) : Frame;

public sealed record LiteralFrame(string Text, int Position) : Frame;

public enum NumberPhase
{
    Begin, Minus, Zero, Integer, Dot, Fraction, Exponent, ExponentSign, ExponentDigits,
}

public sealed record NumberFrame(bool Integer, NumberPhase Phase, int Length) : Frame
{
    public const int MaxLength = 16;

    public bool Accepting => Phase is NumberPhase.Zero or NumberPhase.Integer or NumberPhase.Fraction or NumberPhase.ExponentDigits;
}

public enum ObjectPhase
{
    AfterOpen, AfterComma, AfterCommaSpace, InKey, KeyString, ExpectColon, AfterColon, AfterColonSpace, InValue, AfterValue,
}

/// <summary>Inside an object: the next property index (the current one while in its key or value), the phase, and the key typed so far.</summary>
public sealed record ObjectFrame(ObjectNode Node, int Next, ObjectPhase Phase, string Key) : Frame;

public enum ArrayPhase
{
    AfterOpen, AfterComma, AfterCommaSpace, InValue, AfterValue,
}

public sealed record ArrayFrame(ArrayNode Node, int Count, ArrayPhase Phase) : Frame;

/// <summary>The whole value is written.</summary>
public sealed record DoneFrame : Frame
{
    public static readonly DoneFrame Instance = new();
}

/// <summary>A stack of frames, innermost on top; equal stacks compare equal.</summary>
public sealed record FrameStack(Frame Top, FrameStack? Rest)
{
    public static readonly FrameStack Done = new(DoneFrame.Instance, null);

    public FrameStack With(Frame top) => new(top, Rest);

    public FrameStack Push(Frame frame) => new(frame, this);
}

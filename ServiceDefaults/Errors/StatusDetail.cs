using Grpc.Core;

namespace Mesh.ServiceDefaults.Errors;

/// <summary>
/// Bounds a status message. It travels percent-encoded in a trailer, and a client refuses trailers
/// past its metadata limit (grpc-js: 8 KiB) by never completing the call: an error quoting a long
/// input (a 100,000-character model name) would hang the caller until its deadline. Such a message
/// is cut, saying how much was left out.
/// </summary>
public static class StatusDetail
{
    /// <summary>The most a message may take once percent-encoded, well under every client's limit.</summary>
    public const int MaxEncodedBytes = 4096;

    public static bool TooLong(RpcException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return EncodedLength(exception.Status.Detail) > MaxEncodedBytes;
    }

    /// <summary>The same status and trailers with its message cut to fit.</summary>
    public static RpcException Bound(RpcException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return new RpcException(new Status(exception.StatusCode, Cut(exception.Status.Detail), exception.Status.DebugException), exception.Trailers);
    }

    public static string Cut(string detail)
    {
        ArgumentNullException.ThrowIfNull(detail);
        if (EncodedLength(detail) <= MaxEncodedBytes)
        {
            return detail;
        }

        // Room for the note at the end; a text element (an emoji, a combining mark) is never split.
        var room = MaxEncodedBytes - 64;
        var used = 0;
        var kept = 0;
        var elements = System.Globalization.StringInfo.GetTextElementEnumerator(detail);
        while (elements.MoveNext())
        {
            var element = (string)elements.Current;
            var size = EncodedLength(element);
            if (used + size > room)
            {
                break;
            }

            used += size;
            kept += element.Length;
        }

        return $"{detail[..kept]}… ({detail.Length - kept} more characters)";
    }

    /// <summary>The length of grpc-message's percent-encoding: printable ASCII but '%' as is, every other byte as %XX.</summary>
    private static int EncodedLength(string text)
    {
        var length = 0;
        foreach (var rune in text.EnumerateRunes())
        {
            length += rune.Value is >= 0x20 and <= 0x7E && rune.Value != '%' ? 1 : 3 * rune.Utf8SequenceLength;
        }

        return length;
    }
}

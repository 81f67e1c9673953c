using System.Diagnostics;

namespace Mesh.Bench;

/// <summary>A stand-in for a small model's decode step: a fixed amount of vector arithmetic.</summary>
internal sealed class FakeModel
{
    private readonly float[] _weights = [.. Enumerable.Range(0, 4096).Select(i => (i % 17) / 17f)];
    private readonly float[] _state = [.. Enumerable.Range(0, 4096).Select(i => (i % 5) / 5f)];
    private int _rounds = 1;

    /// <summary>Sizes the work so one call takes about <paramref name="target"/>.</summary>
    public static FakeModel Calibrate(TimeSpan target)
    {
        var model = new FakeModel { _rounds = 64 };
        for (var i = 0; i < 200; i++)
        {
            model.Run();
        }

        var started = Stopwatch.GetTimestamp();
        for (var i = 0; i < 200; i++)
        {
            model.Run();
        }

        var perRound = Stopwatch.GetElapsedTime(started).TotalMicroseconds / (200 * 64);
        model._rounds = Math.Max(1, (int)(target.TotalMicroseconds / perRound));
        return model;
    }

    /// <summary>Runs one "call"; returns a token count.</summary>
    public long Run()
    {
        var sum = 0f;
        for (var r = 0; r < _rounds; r++)
        {
            sum += Dot(_weights, _state);
        }

        return 1 + ((long)sum & 31);
    }

    private static float Dot(float[] a, float[] b)
    {
        var sum = 0f;
        for (var i = 0; i < a.Length; i++)
        {
            sum += a[i] * b[i];
        }

        return sum;
    }
}

namespace Mesh.Telemetry.Analytics.Forecasting;

/// <summary>
/// Forecasts a seasonal series with seasonal naive and additive Holt-Winters, choosing the one
/// with the lower mean absolute error over a rolling-origin backtest (the last folds of the
/// history, each forecast from the data before it). MASE scales that error by seasonal naive's
/// in-sample one-season error, so below 1 beats the naive forecast. 95% intervals come from the
/// backtest's errors at each step ahead.
/// </summary>
public static class Forecaster
{
    public const int Folds = 3;

    /// <summary>The fewest points a forecast needs: enough seasons to fit and backtest.</summary>
    public static int MinimumHistory(int season) => 3 * season;

    public static Forecast Run(IReadOnlyList<double> history, int season, int horizon)
    {
        ArgumentNullException.ThrowIfNull(history);
        ArgumentOutOfRangeException.ThrowIfLessThan(season, 2);
        ArgumentOutOfRangeException.ThrowIfLessThan(horizon, 1);
        if (history.Count < MinimumHistory(season))
        {
            return Forecast.NotEnough(history.Count, MinimumHistory(season));
        }

        var scale = NaiveScale(history, season);
        var fold = Math.Min(horizon, season);
        var naiveErrors = Backtest(history, season, fold, SeasonalNaive);
        var hwErrors = Backtest(history, season, fold, HoltWinters);
        var naiveMae = Mae(naiveErrors);
        var hwMae = Mae(hwErrors);
        var useHw = hwMae < naiveMae;
        var errors = useHw ? hwErrors : naiveErrors;
        var values = useHw ? HoltWinters(history, season, horizon) : SeasonalNaive(history, season, horizon);
        var points = new List<(double Value, double Lower, double Upper)>();
        for (var h = 0; h < horizon; h++)
        {
            // Absolute errors at this step ahead (the last step's for steps past the folds).
            var step = errors.Select(e => Math.Abs(e[Math.Min(h, e.Length - 1)])).Order().ToList();
            var width = step.Count == 0 ? 0 : step[(int)Math.Min(step.Count - 1, Math.Ceiling(0.95 * step.Count) - 1)] * Math.Sqrt(1 + Math.Max(0, h - fold + 1) / (double)fold);
            var value = Math.Max(0, values[h]);
            points.Add((value, Math.Max(0, value - width), value + width));
        }

        return new Forecast(true, useHw ? "holt_winters" : "seasonal_naive", scale == 0 ? 0 : (useHw ? hwMae : naiveMae) / scale, scale == 0 ? 0 : naiveMae / scale, points, "");
    }

    /// <summary>Each point one season back, repeated.</summary>
    public static double[] SeasonalNaive(IReadOnlyList<double> history, int season, int horizon)
    {
        var result = new double[horizon];
        for (var h = 0; h < horizon; h++)
        {
            result[h] = history[history.Count - season + (h % season)];
        }

        return result;
    }

    /// <summary>Additive Holt-Winters with the smoothing factors of least one-step squared error on a small grid.</summary>
    public static double[] HoltWinters(IReadOnlyList<double> history, int season, int horizon)
    {
        double[] grid = [0.05, 0.2, 0.4, 0.6, 0.8];
        (double Sse, double[] Forecast) best = (double.MaxValue, []);
        foreach (var alpha in grid)
        {
            foreach (var beta in new[] { 0.0, 0.05, 0.2 })
            {
                foreach (var gamma in grid)
                {
                    var (sse, forecast) = Fit(history, season, horizon, alpha, beta, gamma);
                    if (sse < best.Sse)
                    {
                        best = (sse, forecast);
                    }
                }
            }
        }

        return best.Forecast;
    }

    private static (double Sse, double[] Forecast) Fit(IReadOnlyList<double> y, int m, int horizon, double alpha, double beta, double gamma)
    {
        var level = y.Take(m).Average();
        var trend = (y.Skip(m).Take(m).Average() - level) / m;
        var seasonal = Enumerable.Range(0, m).Select(i => y[i] - level).ToArray();
        double sse = 0;
        for (var t = m; t < y.Count; t++)
        {
            var s = seasonal[t % m];
            var predicted = level + trend + s;
            sse += (y[t] - predicted) * (y[t] - predicted);
            var previous = level;
            level = (alpha * (y[t] - s)) + ((1 - alpha) * (level + trend));
            trend = (beta * (level - previous)) + ((1 - beta) * trend);
            seasonal[t % m] = (gamma * (y[t] - level)) + ((1 - gamma) * s);
        }

        var forecast = new double[horizon];
        for (var h = 1; h <= horizon; h++)
        {
            forecast[h - 1] = level + (h * trend) + seasonal[(y.Count + h - 1) % m];
        }

        return (sse, forecast);
    }

    /// <summary>Errors (actual - forecast) of each fold: the last <see cref="Folds"/> windows of <paramref name="fold"/> points.</summary>
    private static List<double[]> Backtest(IReadOnlyList<double> y, int season, int fold, Func<IReadOnlyList<double>, int, int, double[]> method)
    {
        var errors = new List<double[]>();
        for (var f = Folds; f >= 1; f--)
        {
            var origin = y.Count - (f * fold);
            if (origin < 2 * season)
            {
                continue;
            }

            var forecast = method([.. y.Take(origin)], season, fold);
            errors.Add([.. Enumerable.Range(0, fold).Select(h => y[origin + h] - forecast[h])]);
        }

        return errors;
    }

    private static double Mae(List<double[]> errors) => errors.Count == 0 ? double.MaxValue : errors.SelectMany(e => e).Average(Math.Abs);

    /// <summary>The in-sample mean absolute one-season difference: MASE's denominator.</summary>
    private static double NaiveScale(IReadOnlyList<double> y, int season) =>
        Enumerable.Range(season, y.Count - season).Average(t => Math.Abs(y[t] - y[t - season]));
}

/// <summary>A forecast, or why there is none.</summary>
public sealed record Forecast(bool EnoughHistory, string Method, double Mase, double SeasonalNaiveMase, IReadOnlyList<(double Value, double Lower, double Upper)> Points, string Note)
{
    public static Forecast NotEnough(int have, int need) =>
        new(false, "", 0, 0, [], $"not enough history: {have} buckets, a forecast needs at least {need} (three seasons)");
}

using System.Diagnostics;

namespace MRVS.Pipeline.Segmentation;

/// <summary>Wall time per pipeline stage (decode, tokenize, preprocess, build, forward, postprocess, …), summed over
/// clips, in first-seen order.</summary>
public sealed class StageTimes
{
    private readonly List<string> _order = [];
    private readonly Dictionary<string, double> _ms = [];

    /// <summary>
    /// Called with a stage's name when it starts (progress displays follow the work through a clip with it).
    /// </summary>
    public event Action<string>? StageStarted;

    /// <summary>Every stage seen so far with its total time.</summary>
    public IEnumerable<(string Stage, double Milliseconds)> Stages => _order.Select(s => (s, _ms[s]));

    /// <summary>Adds <paramref name="milliseconds"/> to <paramref name="stage"/>.</summary>
    public void Add(string stage, double milliseconds)
    {
        if (!_ms.ContainsKey(stage)) { _order.Add(stage); _ms[stage] = 0; }
        _ms[stage] += milliseconds;
    }

    /// <summary>Runs <paramref name="work"/> and adds its wall time to <paramref name="stage"/>.</summary>
    public T Measure<T>(string stage, Func<T> work)
    {
        StageStarted?.Invoke(stage);
        long start = Stopwatch.GetTimestamp();
        try { return work(); }
        finally { Add(stage, Stopwatch.GetElapsedTime(start).TotalMilliseconds); }
    }

    /// <summary>Runs <paramref name="work"/> and adds its wall time to <paramref name="stage"/>.</summary>
    public void Measure(string stage, Action work) => Measure(stage, () => { work(); return true; });

    /// <summary>Awaits <paramref name="work"/> and adds its wall time to <paramref name="stage"/>.</summary>
    public async ValueTask<T> MeasureAsync<T>(string stage, Func<ValueTask<T>> work)
    {
        StageStarted?.Invoke(stage);
        long start = Stopwatch.GetTimestamp();
        try { return await work().ConfigureAwait(false); }
        finally { Add(stage, Stopwatch.GetElapsedTime(start).TotalMilliseconds); }
    }
}

using System.Diagnostics;

namespace MRVS.Pipeline.Segmentation;

/// <summary>Wall time per pipeline stage (decode, tokenize, preprocess, build, forward, postprocess, …), summed over clips, in first-seen order.</summary>
public sealed class StageTimes
{
    private readonly List<string> _order = [];
    private readonly Dictionary<string, double> _ms = [];

    public IEnumerable<(string Stage, double Milliseconds)> Stages => _order.Select(s => (s, _ms[s]));

    public void Add(string stage, double milliseconds)
    {
        if (!_ms.ContainsKey(stage)) { _order.Add(stage); _ms[stage] = 0; }
        _ms[stage] += milliseconds;
    }

    public T Measure<T>(string stage, Func<T> work)
    {
        long start = Stopwatch.GetTimestamp();
        try { return work(); }
        finally { Add(stage, Stopwatch.GetElapsedTime(start).TotalMilliseconds); }
    }

    public void Measure(string stage, Action work) => Measure(stage, () => { work(); return true; });
}

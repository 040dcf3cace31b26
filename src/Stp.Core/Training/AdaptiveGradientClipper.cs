namespace Stp.Training;

/// <summary>
/// EDM's adaptive gradient clipping: a queue of the last 50 gradient norms (initialised with one value 3000);
/// max_norm = 1.5 mean + 2 std (population); the global L2 norm is clipped to max_norm and min(norm, max_norm) is pushed.
/// </summary>
public sealed class AdaptiveGradientClipper
{
    private readonly LinkedList<double> _queue = new();

    /// <summary>Creates the clipper with EDM's initial queue [3000].</summary>
    public AdaptiveGradientClipper(int capacity = 50, double initial = 3000)
    {
        Capacity = capacity;
        _queue.AddLast(initial);
    }

    /// <summary>Queue length limit.</summary>
    public int Capacity { get; }

    /// <summary>Recent norms, newest first.</summary>
    public IReadOnlyCollection<double> History => _queue;

    /// <summary>Current clipping threshold.</summary>
    public double MaxNorm
    {
        get
        {
            double mean = _queue.Average();
            double var = _queue.Sum(v => (v - mean) * (v - mean)) / _queue.Count;
            return 1.5 * mean + 2 * Math.Sqrt(var);
        }
    }

    /// <summary>Records the norm measured before clipping at threshold <paramref name="maxNorm"/>.</summary>
    public void Record(double gradNorm, double maxNorm)
    {
        _queue.AddFirst(double.IsFinite(gradNorm) ? Math.Min(gradNorm, maxNorm) : maxNorm);
        while (_queue.Count > Capacity) _queue.RemoveLast();
    }

    /// <summary>Replaces the history (checkpoint restore), newest first.</summary>
    public void Restore(IEnumerable<double> history)
    {
        _queue.Clear();
        foreach (var v in history) _queue.AddLast(v);
        if (_queue.Count == 0) throw new ArgumentException("Empty gradient-norm history.", nameof(history));
    }
}

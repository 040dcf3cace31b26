using Stp.Runtime;
using Stp.Backbones.Edm.Graphs;
using TorchSharp;
using static TorchSharp.torch;

namespace Stp.Backbones.Edm.Modules;

/// <summary>
/// EDM's EGNN_dynamics_QM9 in 'egnn_dynamics' mode: appends the time column (then the context) to the features,
/// runs the <see cref="Egnn"/> over the real atoms only, and returns eps_x = x_out - x_in with the centre of mass
/// of each molecule removed, and eps_h = the EGNN's h output without the time and context columns.
/// State-dict root: <c>egnn.*</c>.
/// </summary>
internal sealed class EgnnDynamics : nn.Module
{
    private readonly Egnn egnn;
    private readonly MolecularGraphCache _graphs = new();

    public EgnnDynamics(EgnnOptions options) : base("EGNN_dynamics_QM9")
    {
        Options = options;
        egnn = new Egnn("egnn", options);
        register_module("egnn", egnn);
    }

    public EgnnOptions Options { get; }

    internal MolecularGraphCache Graphs => _graphs;

    /// <summary>
    /// Forward pass on a padded batch. positions [B, N, 3], features [B, N, F], time [B] (or [B, 1], or one value),
    /// atomCounts [B] int64 (real atoms first), context [B, N, C] or null; sizes: the same counts on the host when the
    /// caller has them (else they are copied back from atomCounts' device, a synchronisation on a GPU).
    /// Returns padded (eps_x, eps_h), zero on padding.
    /// </summary>
    public (Tensor NoiseX, Tensor NoiseH) Forward(Tensor positions, Tensor features, Tensor time, Tensor atomCounts, Tensor? context,
        IReadOnlyList<int>? sizes = null)
    {
        var o = Options;
        long batch = positions.shape[0], padded = positions.shape[1];
        Check(positions.dim() == 3 && positions.shape[2] == 3, $"Positions must be [B, N, 3]; got [{string.Join(", ", positions.shape)}].");
        Check(features.dim() == 3 && features.shape[0] == batch && features.shape[1] == padded && features.shape[2] == o.FeatureCount,
            $"Features must be [B, N, {o.FeatureCount}] = [{batch}, {padded}, {o.FeatureCount}]; got [{string.Join(", ", features.shape)}].");
        Check(atomCounts.numel() == batch, $"AtomCounts must have B = {batch} entries; got {atomCounts.numel()}.");
        if (o.ContextCount > 0)
        {
            Check(context is not null, $"This EGNN was built for {o.ContextCount} context channels, but no context was given.");
            Check(context!.dim() == 3 && context.shape[0] == batch && context.shape[1] == padded && context.shape[2] == o.ContextCount,
                $"Context must be [B, N, {o.ContextCount}]; got [{string.Join(", ", context.shape)}].");
        }
        else Check(context is null, "This EGNN was built without context channels, but a context was given.");
        Check(time.numel() == batch || time.numel() == 1, $"Time must have B = {batch} entries (or one); got {time.numel()}.");

        Check(sizes is null || sizes.Count == batch, $"Sizes must have B = {batch} entries; got {sizes?.Count}.");
        var counts = HostCounts(atomCounts, sizes);
        var device = positions.device;
        var graph = _graphs.Get(counts, (int)padded, device);

        using var scope = torch.NewDisposeScope();
        var x = graph.Gather(positions);
        var h = graph.Gather(features);
        var t = time.reshape(-1).to(positions.dtype, device);
        if (t.numel() == 1 && batch != 1) t = t.expand(batch);
        var parts = new List<Tensor> { h, t.index_select(0, graph.MoleculeOfNode).unsqueeze(1) };
        if (context is not null) parts.Add(graph.Gather(context));
        var hIn = torch.cat(parts, 1);

        var (hOut, xOut) = egnn.Forward(hIn, x, graph);

        // Centre of mass of every molecule over its real atoms, removed.
        var vel = graph.RemoveMean(xOut - x);
        // EDM's NaN guard: a NaN anywhere in the coordinate output resets it to zero (no host sync here).
        vel = torch.where(vel.isnan().any(), torch.zeros_like(vel), vel);

        var noiseX = graph.Scatter(vel);
        var noiseH = graph.Scatter(hOut.narrow(1, 0, o.FeatureCount));
        return (noiseX.MoveToOuterDisposeScope(), noiseH.MoveToOuterDisposeScope());
    }

    /// <summary>The atom counts on the host: <paramref name="sizes"/> when given, else copied from <paramref name="atomCounts"/>.</summary>
    internal static long[] HostCounts(Tensor atomCounts, IReadOnlyList<int>? sizes)
    {
        if (sizes is not null) return sizes.Select(n => (long)n).ToArray();
        using var cpu = atomCounts.reshape(-1).to(ScalarType.Int64, CPU);
        return cpu.data<long>().ToArray();
    }

    private static void Check(bool condition, string message)
    {
        if (!condition) throw new ArgumentException(message);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) _graphs.Dispose();
        base.Dispose(disposing);
    }
}

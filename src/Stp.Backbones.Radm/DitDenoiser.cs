using Stp.Runtime;
using Stp.Backbones.Edm.IO;
using Stp.Backbones.Radm.Modules;
using Stp.Diffusion;
using Stp.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Stp.Backbones.Radm;

/// <summary>
/// RADM's latent DiT denoiser (FACTS 4.2) behind <see cref="IDenoiser"/>: the tokens are the atoms of each molecule,
/// z = [z_x, z_h, context] per atom, t is the continuous time in [0, 1] (not times 1000), and attention is masked so
/// that real atoms attend to every real atom (themselves included) and a padding slot only to itself (RADM's
/// <c>edge_mask + I</c>). The output is masked, the coordinate part gets its centre of mass removed, and the context
/// columns are dropped, exactly as RADM's <c>phi</c>. Unlike the reference, a batch of one molecule works (RADM's
/// <c>t.squeeze()</c> fails there). Not rotation-equivariant by design; permutation-equivariant over atoms and
/// independent of padding and batch mates. Parameter names are the PyTorch ones (<c>blocks.0.attn.qkv.weight</c>, ...);
/// a RADM checkpoint's <c>dynamics.</c> prefix is stripped by <see cref="LoadStateDict(IReadOnlyDictionary{string, Tensor}, string?)"/>.
/// </summary>
/// <example>
/// <code>
/// using var dit = new DitDenoiser(DitOptions.Base(featureCount: 1), seed: 0);   // 129,516,292 parameters
/// var eps = dit.Predict(new DenoiserInput(zx, zh, t, nodeMask, atomCounts));
/// </code>
/// </example>
public sealed class DitDenoiser : IDenoiser, IDescribedComponent, IDisposable
{
    /// <summary>Prefix of the DiT entries in a RADM <c>EnLatentDiffusion</c> state dict.</summary>
    public const string RadmCheckpointPrefix = "dynamics.";

    private readonly Dit _dit;
    private bool _trainable = true;

    /// <summary>
    /// Builds a DiT initialised as released (output identically zero) from <paramref name="seed"/> (the same values as
    /// RADM's constructor after <c>torch.manual_seed(seed)</c>), on <paramref name="device"/> (default CPU).
    /// </summary>
    /// <exception cref="ArgumentException">The hidden size is not divisible by the number of heads.</exception>
    public DitDenoiser(DitOptions options, Device? device = null, long seed = 0)
    {
        TorchRuntime.EnsureAvailable();
        ArgumentNullException.ThrowIfNull(options);
        Options = options;
        _dit = SeededConstruction.Build(seed, () => new Dit(options));
        if (device is not null && device.type != DeviceType.CPU) _dit.to(device);
    }

    /// <summary>The configuration.</summary>
    public DitOptions Options { get; }

    /// <inheritdoc />
    public nn.Module Module => _dit;

    /// <inheritdoc />
    public int FeatureCount => Options.FeatureCount;

    /// <inheritdoc />
    public int ContextCount => Options.ContextCount;

    /// <summary>
    /// Whether the DiT's parameters are trained (requires_grad). False in RADM's autoencoder stage, where the DiT only
    /// rides along in the model file (<see cref="RadmModel"/>). Default true; saved in model files.
    /// </summary>
    public bool Trainable
    {
        get => _trainable;
        set
        {
            _trainable = value;
            foreach (var p in _dit.parameters()) p.requires_grad_(value);
        }
    }

    /// <summary>Number of parameters.</summary>
    public long ParameterCount => _dit.parameters().Sum(p => p.numel());

    internal Dit Network => _dit;

    /// <summary>
    /// Predicts (eps_x, eps_h) for a padded batch (real atoms first, as <see cref="DenoiserInput.NodeMask"/> says).
    /// Whatever the padding slots hold is ignored; the outputs are zero there.
    /// </summary>
    /// <exception cref="ArgumentException">A tensor has the wrong shape, or the context does not fit the options.</exception>
    public DenoiserOutput Predict(DenoiserInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var z = Tokens(input, out var time, out var mask, out var nodeMask);
        using var scope = torch.NewDisposeScope();
        var raw = _dit.Forward(z, time, mask);
        var net = raw * nodeMask;
        var x = CenterOfMass.Remove(net.narrow(2, 0, 3), nodeMask);
        var h = net.narrow(2, 3, Options.FeatureCount).contiguous();
        z.Dispose();
        time.Dispose();
        mask?.Dispose();
        return new DenoiserOutput(x.MoveToOuterDisposeScope(), h.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// The DiT's inputs for a batch: the masked tokens [B, N, in_dim], the times [B] and the attention mask
    /// [B, 1, N, N] (null when no molecule is padded, where every pair may attend).
    /// </summary>
    internal Tensor Tokens(DenoiserInput input, out Tensor time, out Tensor? mask, out Tensor nodeMask)
    {
        var o = Options;
        var pos = input.Positions;
        Check(pos.dim() == 3 && pos.shape[2] == 3, $"Positions must be [B, N, 3]; got [{Shape(pos)}].");
        long b = pos.shape[0], n = pos.shape[1];
        Check(input.Features.dim() == 3 && input.Features.shape[0] == b && input.Features.shape[1] == n && input.Features.shape[2] == o.FeatureCount,
            $"Features must be [B, N, {o.FeatureCount}] = [{b}, {n}, {o.FeatureCount}]; got [{Shape(input.Features)}].");
        Check(input.NodeMask.dim() == 3 && input.NodeMask.shape[0] == b && input.NodeMask.shape[1] == n && input.NodeMask.shape[2] == 1,
            $"NodeMask must be [B, N, 1] = [{b}, {n}, 1]; got [{Shape(input.NodeMask)}].");
        Check(input.Time.numel() == b || input.Time.numel() == 1, $"Time must have B = {b} entries (or one); got {input.Time.numel()}.");
        if (o.ContextCount > 0)
        {
            Check(input.Context is not null, $"This DiT was built for {o.ContextCount} context channels, but no context was given.");
            Check(input.Context!.dim() == 3 && input.Context.shape[0] == b && input.Context.shape[1] == n && input.Context.shape[2] == o.ContextCount,
                $"Context must be [B, N, {o.ContextCount}]; got [{Shape(input.Context)}].");
        }
        else Check(input.Context is null, "This DiT was built without context channels, but a context was given.");

        using var scope = torch.NewDisposeScope();
        var m = input.NodeMask.to(pos.dtype);
        var parts = new List<Tensor> { pos, input.Features };
        if (input.Context is not null) parts.Add(input.Context);
        var z = torch.cat(parts, 2) * m;
        var t = input.Time.reshape(-1).to(ScalarType.Float32, pos.device);
        if (t.numel() == 1 && b != 1) t = t.expand(b).contiguous();
        Tensor? attn = null;
        using var half = 0.5.ToScalar();
        var real = m.squeeze(2).gt(half);
        // Whether any molecule is padded: from the host sizes when given (no device synchronisation), else from the mask.
        bool padded = input.Sizes is { } sizes ? sizes.Any(s => s < n) : !real.all().item<bool>();
        if (padded)
        {
            using var eye = torch.eye(n, dtype: ScalarType.Bool, device: pos.device);
            attn = (real.unsqueeze(2).logical_and(real.unsqueeze(1)).logical_or(eye)).unsqueeze(1).MoveToOuterDisposeScope();
        }
        time = t.MoveToOuterDisposeScope();
        mask = attn;
        nodeMask = m.MoveToOuterDisposeScope();
        return z.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Loads a state dict strictly. With <paramref name="prefix"/> null, a RADM checkpoint's <c>dynamics.</c> prefix is
    /// used when present, else no prefix.
    /// </summary>
    /// <exception cref="StateDictMismatchException">A key is missing, unexpected, or has the wrong shape.</exception>
    public void LoadStateDict(IReadOnlyDictionary<string, Tensor> stateDict, string? prefix = null)
    {
        ArgumentNullException.ThrowIfNull(stateDict);
        prefix ??= stateDict.Keys.Any(k => k.StartsWith(RadmCheckpointPrefix, StringComparison.Ordinal)) ? RadmCheckpointPrefix : "";
        StateDict.Load(_dit, stateDict, prefix);
    }

    /// <summary>Loads a <c>torch.save</c> state dict or a <c>.npz</c> of named arrays (see <see cref="StateDictFile"/>).</summary>
    public void LoadStateDict(string path, string? prefix = null)
    {
        var dict = StateDictFile.Read(path);
        try
        {
            LoadStateDict(dict, prefix);
        }
        finally
        {
            foreach (var t in dict.Values) t.Dispose();
        }
    }

    /// <inheritdoc />
    public ComponentDescription Describe() => DitDenoiserFactory.Describe(Options, Trainable);

    /// <summary>Releases the module.</summary>
    public void Dispose() => _dit.Dispose();

    private static string Shape(Tensor t) => string.Join(", ", t.shape);

    private static void Check(bool condition, string message)
    {
        if (!condition) throw new ArgumentException(message);
    }
}

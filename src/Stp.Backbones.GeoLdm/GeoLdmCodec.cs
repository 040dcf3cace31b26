using Stp.Runtime;
using Stp.Backbones.Edm.Graphs;
using Stp.Backbones.Edm.IO;
using Stp.Backbones.GeoLdm.Modules;
using Stp.Chemistry;
using Stp.Codecs;
using Stp.Data;
using Stp.Diffusion;
using Stp.Models;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Stp.Backbones.GeoLdm;

/// <summary>
/// GeoLDM's equivariant autoencoder (FACTS 3.1, 3.2) as the codec of a latent <see cref="DiffusionModel"/>.
/// <list type="bullet">
/// <item><b>Encode</b>: the encoder means z_x (the EGNN's output coordinates, centre of mass removed, equivariant) and
/// z_h (L invariant channels) of the unnormalised input [x (CoM-free), one-hot (0/1), Z]. The encoder is <b>frozen at
/// its seeded initialisation</b> (requires_grad = false, run without autograd): in GeoLDM's released recipe the latent
/// is detached before the diffusion, so the encoder never receives a gradient. Its std outputs are computed by the
/// reference and discarded (encode() returns a fixed sigma); the head that produces them is kept so that GeoLDM
/// checkpoints map, but it is unused here.</item>
/// <item><b>Latent noise</b>: z = mean + sigma_0 eps with sigma_0 the schedule's sigma at t = 0 (0.00316 for EDM's
/// polynomial_2), CoM-free eps_x; the model adds it (<see cref="NoisePurpose.Latent"/>), never scaled by gamma_N (FACTS 7).</item>
/// <item><b>Auxiliary loss</b> (the released <c>--trainable_ae</c> recipe): the decoder's reconstruction error on that
/// noisy, detached z, <see cref="ReconstructionLoss"/>, added to the diffusion loss in one optimiser.</item>
/// <item><b>Decode</b>: the decoder's x_rec (CoM removed) and class logits over all K classes (the atom class is their
/// argmax; the reference's slice, which drops the last class without a Z channel, FACTS 1.14, is not reproduced).</item>
/// </list>
/// The final sampling step draws x and h around the prediction (<see cref="FinalFeatureSource.FromPrediction"/>), then decodes.
/// </summary>
public sealed class GeoLdmCodec : IMoleculeCodec, IDescribedComponent, IDisposable
{
    /// <summary>Prefix of the autoencoder in a GeoLDM <c>EnLatentDiffusion</c> state dict.</summary>
    public const string VaeCheckpointPrefix = "vae.";

    private readonly GeoLdmAutoencoder _autoencoder;

    /// <summary>Builds a freshly initialised autoencoder (encoder first, then decoder, as GeoLDM) on <paramref name="device"/>.</summary>
    /// <param name="options">The configuration.</param>
    /// <param name="latentNoise">sigma_0 of the latent noise; default: EDM's polynomial_2 schedule's sigma at t = 0 (0.0031623).
    /// It must equal the schedule's sigma_0 of the model the codec is used in.</param>
    /// <param name="device">Device (default CPU).</param>
    public GeoLdmCodec(GeoLdmOptions options, double? latentNoise = null, Device? device = null)
    {
        TorchRuntime.EnsureAvailable();
        Options = options ?? throw new ArgumentNullException(nameof(options));
        double s = latentNoise ?? ((INoiseSchedule)PolynomialSchedule.Edm).Sigma(0);
        LatentNoise = s > 0 && double.IsFinite(s) ? s : throw new ArgumentOutOfRangeException(nameof(latentNoise), s, "The latent noise must be positive and finite.");
        _autoencoder = new GeoLdmAutoencoder(options);
        if (device is not null && device.type != DeviceType.CPU) _autoencoder.to(device);
    }

    /// <summary>The configuration.</summary>
    public GeoLdmOptions Options { get; }

    /// <inheritdoc />
    public AtomFeatures Features => Options.Features;

    /// <inheritdoc />
    public int LatentFeatureCount => Options.LatentFeatures;

    /// <summary>The autoencoder module (encoder frozen, decoder trainable); state-dict names are GeoLDM's.</summary>
    public nn.Module Module => _autoencoder;

    /// <inheritdoc />
    public double LatentNoise { get; }

    /// <inheritdoc />
    public FinalFeatureSource FinalFeatures => FinalFeatureSource.FromPrediction;

    /// <summary>Parameters of the encoder (QM9 release: 727,044; all frozen).</summary>
    public long EncoderParameterCount => _autoencoder.Encoder.parameters().Sum(p => p.numel());

    /// <summary>Parameters of the decoder (QM9 release: 5,338,127).</summary>
    public long DecoderParameterCount => _autoencoder.Decoder.parameters().Sum(p => p.numel());

    /// <inheritdoc />
    public LatentBatch Encode(MoleculeBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        CheckFeatures(batch.Features, nameof(batch));
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var graph = Graph(batch.Sizes, batch.PaddedSize, batch.Positions.device);
        var x = CenterOfMass.Remove(batch.Positions, batch.NodeMask);
        var (zx, zh) = _autoencoder.Encoder.Encode(x, batch.Features, graph);
        return new LatentBatch(zx.MoveToOuterDisposeScope(), zh.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// The decoder's raw outputs on a latent batch: x_rec [B, N, 3] (centre of mass removed) and h_rec [B, N, F]
    /// (K class logits, then the Z value when the features include it), zero on padding.
    /// </summary>
    public (Tensor Positions, Tensor Features) Reconstruct(LatentBatch latent, IReadOnlyList<int> sizes)
    {
        ArgumentNullException.ThrowIfNull(latent);
        ArgumentNullException.ThrowIfNull(sizes);
        if (latent.H.dim() != 3 || latent.H.shape[2] != LatentFeatureCount)
            throw new ArgumentException($"The latent must have z_h [B, N, {LatentFeatureCount}]; got [{string.Join(", ", latent.H.shape)}].", nameof(latent));
        if (sizes.Count != latent.X.shape[0])
            throw new ArgumentException($"{sizes.Count} sizes for a latent batch of {latent.X.shape[0]}.", nameof(sizes));
        var graph = Graph(sizes, latent.X.shape[1], latent.X.device);
        return _autoencoder.Decoder.Decode(latent.X, latent.H, graph);
    }

    /// <inheritdoc />
    public DecodedBatch Decode(LatentBatch latent, Tensor nodeMask, IReadOnlyList<int> sizes)
    {
        using var scope = NewDisposeScope();
        var (x, h) = Reconstruct(latent, sizes);
        return new DecodedBatch(x.MoveToOuterDisposeScope(), h.narrow(2, 0, Features.Vocabulary.Count).MoveToOuterDisposeScope());
    }

    /// <summary>
    /// The features GeoLDM's <c>decode()</c> returns for sampling: the one-hot of the argmax over all K class logits
    /// and, with a Z channel, the decoded Z rounded to an integer; [B, N, F], zero on padding.
    /// </summary>
    public Tensor DecodeFeatures(LatentBatch latent, Tensor nodeMask, IReadOnlyList<int> sizes)
    {
        ArgumentNullException.ThrowIfNull(nodeMask);
        using var scope = NewDisposeScope();
        var (_, h) = Reconstruct(latent, sizes);
        int k = Features.Vocabulary.Count;
        var parts = new List<Tensor> { F.one_hot(h.narrow(2, 0, k).argmax(2), k).to(h.dtype) };
        if (Features.IncludeAtomicNumber) parts.Add(h.narrow(2, k, 1).round());
        return (torch.cat(parts, 2) * nodeMask).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// GeoLDM's training reconstruction error per molecule [B] (FACTS 3.1): sum over real atoms of
    /// ||x_rec - x||^2, plus the cross-entropy of the class logits against the argmax of the true one-hot summed over
    /// all N_pad slots (a padding slot has zero logits and target class 0, so it adds log K, a constant, exactly as in the
    /// reference), plus sum (Z_rec - Z)^2 with a Z channel; divided by (3 + F) N_pad. <paramref name="latent"/> is the
    /// noisy latent z the diffusion is trained on; x is the batch's centred positions.
    /// </summary>
    public Tensor ReconstructionLoss(MoleculeBatch batch, LatentBatch latent)
    {
        ArgumentNullException.ThrowIfNull(batch);
        CheckFeatures(batch.Features, nameof(batch));
        using var scope = NewDisposeScope();
        var (xRec, hRec) = Reconstruct(latent, batch.Sizes);
        long b = batch.Count, n = batch.PaddedSize;
        int k = Features.Vocabulary.Count;
        var x = CenterOfMass.Remove(batch.Positions, batch.NodeMask);
        var error = (xRec - x).Squared().sum(new long[] { 1, 2 });
        var logits = hRec.narrow(2, 0, k).reshape(b * n, k);
        var target = batch.Features.narrow(2, 0, k).argmax(2).reshape(b * n);
        error = error.Plus(F.cross_entropy(logits, target, reduction: nn.Reduction.None).reshape(b, n).sum(1));
        if (Features.IncludeAtomicNumber)
            error = error.Plus((hRec.narrow(2, k, 1) - batch.Features.narrow(2, k, 1)).Squared().sum(new long[] { 1, 2 }));
        return error.DividedBy((3.0 + Features.Count) * n).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public Tensor? AuxiliaryLoss(MoleculeBatch batch, LatentBatch latent) => ReconstructionLoss(batch, latent);

    /// <summary>Checks that the latent noise is the schedule's sigma_0 (GeoLDM's definition).</summary>
    public void Validate(INoiseSchedule schedule)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        double s0 = schedule.Sigma(0);
        if (Math.Abs(s0 - LatentNoise) > 1e-9 * s0)
            throw new ArgumentException($"GeoLDM's latent noise is the schedule's sigma_0 = {s0:G6}, but the codec was built with {LatentNoise:G6}; build it with latentNoise: schedule.Sigma(0).", nameof(schedule));
    }

    /// <summary>
    /// The paper's relative l2 difference between coordinates and their latent (table 4): the mean over
    /// <paramref name="molecules"/> of ||x - z_x||_2 / ||x||_2, x centred, z_x the encoder mean.
    /// </summary>
    public double RelativeCoordinateDifference(IReadOnlyList<Molecule> molecules, int batchSize = 64, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(molecules);
        if (molecules.Count == 0) throw new ArgumentException("Need at least one molecule.", nameof(molecules));
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        double sum = 0;
        for (int start = 0; start < molecules.Count; start += batchSize)
        {
            using var scope = NewDisposeScope();
            var chunk = molecules.Skip(start).Take(batchSize).ToList();
            using var batch = MoleculeBatch.Create(chunk, Features, device ?? CPU);
            var z = Encode(batch);
            var x = CenterOfMass.Remove(batch.Positions, batch.NodeMask);
            var ratio = (x - z.X).Squared().sum(new long[] { 1, 2 }).sqrt() / x.Squared().sum(new long[] { 1, 2 }).sqrt().AtLeast(1e-12);
            sum += ratio.sum().to(ScalarType.Float64).cpu().item<double>();
        }
        return sum / molecules.Count;
    }

    /// <summary>
    /// Loads GeoLDM autoencoder weights strictly: a first-stage state dict (<c>encoder.*</c>, <c>decoder.*</c>) or a
    /// latent-diffusion checkpoint (<c>vae.encoder.*</c>, ...). With <paramref name="prefix"/> null, "vae." is used when
    /// present. The reference's zero <c>buffer</c> entry is ignored.
    /// </summary>
    /// <exception cref="StateDictMismatchException">A key is missing, unexpected, or has the wrong shape.</exception>
    public void LoadStateDict(IReadOnlyDictionary<string, Tensor> stateDict, string? prefix = null, string? source = null)
    {
        ArgumentNullException.ThrowIfNull(stateDict);
        prefix ??= stateDict.Keys.Any(k => k.StartsWith(VaeCheckpointPrefix, StringComparison.Ordinal)) ? VaeCheckpointPrefix : "";
        var entries = stateDict.Where(kv => kv.Key != prefix + "buffer").ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
        StateDict.Load(_autoencoder, entries, prefix, source);
    }

    /// <summary>Loads a GeoLDM checkpoint file (<c>torch.save</c>, e.g. <c>generative_model_ema.npy</c>, or <c>.npz</c>).</summary>
    public void LoadStateDict(string path, string? prefix = null)
    {
        var dict = StateDictFile.Read(path);
        try { LoadStateDict(dict, prefix, path); }
        finally { foreach (var t in dict.Values) t.Dispose(); }
    }

    /// <inheritdoc />
    public ComponentDescription Describe() => GeoLdmCodecFactory.Describe(this);

    /// <summary>Releases the module and the cached graphs.</summary>
    public void Dispose() => _autoencoder.Dispose();

    private MolecularGraph Graph(IReadOnlyList<int> sizes, long paddedSize, Device device) => _autoencoder.Graph(sizes, paddedSize, device);

    private void CheckFeatures(Tensor features, string name)
    {
        if (features.dim() != 3 || features.shape[2] != Features.Count)
            throw new ArgumentException($"The batch has {(features.dim() == 3 ? features.shape[2] : -1)} feature channels; this GeoLDM codec expects {Features.Count} ({Features.Vocabulary.Name}, Z channel: {Features.IncludeAtomicNumber}).", name);
    }
}

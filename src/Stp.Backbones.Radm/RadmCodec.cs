using Stp.Runtime;
using Stp.Backbones.Radm.Modules;
using Stp.Codecs;
using Stp.Data;
using Stp.Diffusion;
using Stp.Models;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Stp.Backbones.Radm;

/// <summary>
/// RADM's aligning autoencoder as the pipeline's codec (FACTS 4.1, 4.2). Encode: centre the molecule, rotate it by
/// its learned R (special Procrustes of the aligner's 3x3 output), and take the means of the frozen GeoLDM encoder at
/// its seeded random initialisation: z_x [B, N, 3] (zero CoM), z_h [B, N, L]. The pipeline adds the fixed latent noise
/// 0.00316 eps (never gamma_N-scaled; StP applies to the latent diffusion's coordinate noise only, FACTS 7). Decode:
/// the non-equivariant GNN decoder gives positions (in the aligned frame) and class logits. The final sampling step
/// draws z_h around the prediction (<see cref="FinalFeatureSource.FromPrediction"/>), as GeoLDM and RADM do.
/// In the <see cref="RadmStage.Autoencoder"/> stage the codec's <see cref="AuxiliaryLoss"/> is RADM's stage-1 loss.
/// </summary>
/// <remarks>
/// The published RADM code cannot run its <c>rotate</c> as shipped (its RotationEncoder lacks <c>get_adj_matrix</c>;
/// the StP authors' copy adds it). This class implements the intended behaviour: the rotation GNN passes messages over
/// the fully connected graph of each molecule's real atoms, exactly as the StP copy (and the reference fixtures) do.
/// </remarks>
public sealed class RadmCodec : IMoleculeCodec, IDescribedComponent, IDisposable
{
    /// <summary>The fixed standard deviation of the latent noise (GeoLDM's and RADM's sigma_0).</summary>
    public const double LatentSigma = 0.00316;

    private readonly AlignedAutoencoder _ae;
    private RadmStage _stage;
    private (MoleculeBatch Batch, Tensor Aligned, Tensor X, Tensor H)? _pending;

    /// <summary>
    /// Builds the autoencoder from <paramref name="seed"/> (the same parameters as RADM's <c>get_non_equivariant_ae</c>
    /// after <c>torch.manual_seed(seed)</c>: the frozen encoder's values are those of that seed forever).
    /// </summary>
    /// <param name="features">Atom features of the data (QM9: 5 one-hot + Z; GEOM-Drugs: 16 one-hot).</param>
    /// <param name="options">Architecture (default <see cref="RadmAutoencoderOptions.Qm9"/>).</param>
    /// <param name="device">Device (default CPU).</param>
    /// <param name="seed">Initialisation seed.</param>
    /// <param name="stage">Training stage (sets which parameters are trainable).</param>
    public RadmCodec(AtomFeatures features, RadmAutoencoderOptions? options = null, Device? device = null, long seed = 0, RadmStage stage = RadmStage.Autoencoder)
    {
        TorchRuntime.EnsureAvailable();
        Features = features ?? throw new ArgumentNullException(nameof(features));
        Options = options ?? RadmAutoencoderOptions.Qm9;
        _ae = SeededConstruction.Build(seed, () => new AlignedAutoencoder(features.Count, Options));
        if (device is not null && device.type != DeviceType.CPU) _ae.to(device);
        Stage = stage;
    }

    /// <inheritdoc />
    public AtomFeatures Features { get; }

    /// <summary>The architecture.</summary>
    public RadmAutoencoderOptions Options { get; }

    /// <inheritdoc />
    public int LatentFeatureCount => Options.LatentFeatures;

    /// <inheritdoc />
    public nn.Module Module => _ae;

    /// <inheritdoc />
    public double LatentNoise => LatentSigma;

    /// <inheritdoc />
    public FinalFeatureSource FinalFeatures => FinalFeatureSource.FromPrediction;

    /// <summary>
    /// The training stage. <see cref="RadmStage.Autoencoder"/>: the aligner and decoder are trainable and
    /// <see cref="AuxiliaryLoss"/> is the autoencoder loss; <see cref="RadmStage.Diffusion"/>: everything is frozen and
    /// there is no auxiliary loss. The encoder is frozen in both. Saved in model files.
    /// </summary>
    public RadmStage Stage
    {
        get => _stage;
        set
        {
            if (!Enum.IsDefined(value)) throw new ArgumentOutOfRangeException(nameof(value), value, "Unknown RADM stage.");
            _stage = value;
            bool train = value == RadmStage.Autoencoder;
            foreach (var m in _ae.Aligner.Append(_ae.Decoder))
                foreach (var p in m.parameters()) p.requires_grad_(train);
            foreach (var p in _ae.Encoder.parameters()) p.requires_grad_(false);
        }
    }

    /// <summary>Number of parameters of the frozen encoder, the decoder and the aligner (rotation GNN + head).</summary>
    public (long Encoder, long Decoder, long Aligner) ParameterCounts =>
        (Count(_ae.Encoder), Count(_ae.Decoder), _ae.Aligner.Sum(Count));

    internal AlignedAutoencoder Network => _ae;

    /// <summary>Rotates every molecule of <paramref name="batch"/> into its learned frame.</summary>
    public AlignedBatch Align(MoleculeBatch batch)
    {
        CheckBatch(batch);
        using var scope = NewDisposeScope();
        var graph = _ae.Graph(batch.Sizes, batch.PaddedSize, batch.Positions.device);
        var a = _ae.Rotate(CenterOfMass.Remove(batch.Positions, batch.NodeMask), batch.Features, graph);
        return new AlignedBatch(a.Rotation.MoveToOuterDisposeScope(), a.Positions.MoveToOuterDisposeScope());
    }

    /// <inheritdoc />
    public LatentBatch Encode(MoleculeBatch batch)
    {
        CheckBatch(batch);
        using var scope = NewDisposeScope();
        var graph = _ae.Graph(batch.Sizes, batch.PaddedSize, batch.Positions.device);
        var aligned = _ae.Rotate(CenterOfMass.Remove(batch.Positions, batch.NodeMask), batch.Features, graph).Positions;
        var (x, h) = _ae.Encode(aligned, batch.Features, graph);
        x.MoveToOuterDisposeScope();
        h.MoveToOuterDisposeScope();
        // Stage 1 trains through the encoder into the aligner; the pipeline detaches the latent it passes to
        // AuxiliaryLoss, so the differentiable means of this batch are kept for it (a pure saving: without them,
        // AuxiliaryLoss recomputes the same values).
        _pending = Stage == RadmStage.Autoencoder && is_grad_enabled() ? (batch, aligned.MoveToOuterDisposeScope(), x, h) : null;
        return new LatentBatch(x, h);
    }

    /// <inheritdoc />
    public DecodedBatch Decode(LatentBatch latent, Tensor nodeMask, IReadOnlyList<int> sizes)
    {
        ArgumentNullException.ThrowIfNull(latent);
        ArgumentNullException.ThrowIfNull(nodeMask);
        ArgumentNullException.ThrowIfNull(sizes);
        if (latent.X.dim() != 3 || latent.X.shape[0] != sizes.Count || latent.X.shape[2] != 3 || latent.H.dim() != 3 || latent.H.shape[2] != LatentFeatureCount)
            throw new ArgumentException($"Expected a latent [B, N, 3] + [B, N, {LatentFeatureCount}] for {sizes.Count} molecules; got [{string.Join(", ", latent.X.shape)}] + [{string.Join(", ", latent.H.shape)}].", nameof(latent));
        using var scope = NewDisposeScope();
        var graph = _ae.Graph(sizes, (int)latent.X.shape[1], latent.X.device);
        var (x, h) = _ae.Decode(latent.X, latent.H, graph);
        var scores = h.narrow(2, 0, Features.Vocabulary.Count) * nodeMask;
        return new DecodedBatch((x * nodeMask).MoveToOuterDisposeScope(), scores.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// RADM's stage-1 loss per molecule [B] in the <see cref="RadmStage.Autoencoder"/> stage (null in the diffusion
    /// stage): decode the noisy latent z = means + 0.00316 eps and sum, over the molecule's N_pad slots, the squared
    /// error to the ROTATED coordinates (real atoms), the cross-entropy of the class logits against the true class
    /// (every slot, padding included, as the reference's mean over B x N_pad slots does; a padding slot adds the
    /// constant ln K) and, with the atomic-number channel, its squared error (real atoms); divided by N_pad, so that the
    /// batch mean is the reference's dist_loss + node_loss. Gradients reach the decoder and, through the frozen encoder,
    /// the aligner.
    /// </summary>
    public Tensor? AuxiliaryLoss(MoleculeBatch batch, LatentBatch latent)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(latent);
        var pending = _pending;
        _pending = null;
        if (Stage != RadmStage.Autoencoder) return null;
        CheckBatch(batch);
        using var scope = NewDisposeScope();
        var graph = _ae.Graph(batch.Sizes, batch.PaddedSize, batch.Positions.device);
        Tensor aligned, mx, mh;
        if (pending is { } p && ReferenceEquals(p.Batch, batch) && !p.Aligned.IsInvalid && !p.X.IsInvalid && !p.H.IsInvalid)
            (aligned, mx, mh) = (p.Aligned, p.X, p.H);
        else
        {
            aligned = _ae.Rotate(CenterOfMass.Remove(batch.Positions, batch.NodeMask), batch.Features, graph).Positions;
            (mx, mh) = _ae.Encode(aligned, batch.Features, graph);
        }
        // z = means + (the pipeline's noisy latent - the means): the same values, differentiable in the means.
        var zx = mx.Plus(latent.X - mx.detach());
        var zh = mh.Plus(latent.H - mh.detach());
        var (xr, hr) = _ae.Decode(zx, zh, graph);
        return ReconstructionLoss(xr, hr, aligned, batch).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The stage-1 loss per molecule [B] for a given per-molecule <paramref name="rotation"/> [B, 3, 3] in place of the
    /// aligner's, with the unit latent noise <paramref name="noise"/> (z = means + 0.00316 noise). Everything after the
    /// aligner depends on the molecule only through x R.
    /// </summary>
    internal Tensor LossForRotation(MoleculeBatch batch, Tensor rotation, LatentBatch noise)
    {
        using var scope = NewDisposeScope();
        var graph = _ae.Graph(batch.Sizes, batch.PaddedSize, batch.Positions.device);
        var aligned = torch.bmm(CenterOfMass.Remove(batch.Positions, batch.NodeMask), rotation);
        var (mx, mh) = _ae.Encode(aligned, batch.Features, graph);
        var (xr, hr) = _ae.Decode(mx.PlusScaled(noise.X, LatentSigma), mh.PlusScaled(noise.H, LatentSigma), graph);
        return ReconstructionLoss(xr, hr, aligned, batch).MoveToOuterDisposeScope();
    }

    /// <summary>The stage-1 reconstruction loss per molecule [B] of decoded (x, h) against the aligned batch.</summary>
    internal Tensor ReconstructionLoss(Tensor xRec, Tensor hRec, Tensor aligned, MoleculeBatch batch)
    {
        using var scope = NewDisposeScope();
        var mask = batch.NodeMask;
        int k = Features.Vocabulary.Count, b = batch.Count, n = batch.PaddedSize;
        var dist = ((xRec - aligned).Squared() * mask).sum([1, 2]);
        var target = batch.Features.narrow(2, 0, k).argmax(2);
        var ce = F.cross_entropy(hRec.narrow(2, 0, k).reshape(-1, k), target.reshape(-1), reduction: nn.Reduction.None).reshape(b, n).sum(1);
        var total = dist.Plus(ce);
        if (Features.IncludeAtomicNumber)
            total = total.Plus(((hRec.narrow(2, k, 1) - batch.Features.narrow(2, k, 1)).Squared() * mask).sum([1, 2]));
        return total.DividedBy(n).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public ComponentDescription Describe() => RadmCodecFactory.Describe(this);

    /// <summary>Releases the module and its cached edge lists.</summary>
    public void Dispose()
    {
        _pending = null;
        _ae.Dispose();
    }

    private void CheckBatch(MoleculeBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.Features.shape[2] != Features.Count)
            throw new ArgumentException($"The batch has {batch.Features.shape[2]} feature channels; this RADM codec was built for {Features.Count} ({Features.Vocabulary.Name}, atomic-number channel: {Features.IncludeAtomicNumber}).", nameof(batch));
    }

    private static long Count(nn.Module m) => m.parameters().Sum(p => p.numel());
}

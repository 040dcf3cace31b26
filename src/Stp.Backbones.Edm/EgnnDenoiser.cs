using Stp.Runtime;
using Stp.Backbones.Edm.IO;
using Stp.Backbones.Edm.Modules;
using Stp.Diffusion;
using Stp.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Stp.Backbones.Edm;

/// <summary>
/// EDM's E(3)-equivariant EGNN denoiser (EGNN_dynamics_QM9, FACTS 1.1) behind <see cref="IDenoiser"/>.
/// Message passing runs over the real atom pairs of each molecule only (no padding, no self pairs), and the first
/// Linear of every edge MLP is split so that nodes are projected once and gathered per edge; the results equal the
/// reference's. Parameter names equal the PyTorch state-dict names (<c>egnn.embedding.weight</c>,
/// <c>egnn.e_block_0.gcl_0.edge_mlp.0.weight</c>, ...), so EDM checkpoints load directly
/// (<see cref="LoadStateDict(string, string)"/>). Edge lists are cached by the batch's atom counts.
/// </summary>
/// <example>
/// <code>
/// using var denoiser = new EgnnDenoiser(EgnnOptions.Qm9);
/// denoiser.LoadStateDict("outputs/edm_qm9/generative_model_ema.npy"); // a torch.save file; "dynamics." is stripped
/// var eps = denoiser.Predict(new DenoiserInput(x, h, t, nodeMask, atomCounts));
/// </code>
/// </example>
public sealed class EgnnDenoiser : IDenoiser, IDescribedComponent, IDisposable
{
    /// <summary>Prefix of the dynamics entries in an EDM <c>EnVariationalDiffusion</c> state dict.</summary>
    public const string EdmCheckpointPrefix = "dynamics.";

    private readonly EgnnDynamics _dynamics;

    /// <summary>Builds a freshly initialised EGNN (PyTorch's default Linear initialisation) on <paramref name="device"/> (default CPU).</summary>
    public EgnnDenoiser(EgnnOptions options, Device? device = null)
    {
        TorchRuntime.EnsureAvailable();
        ArgumentNullException.ThrowIfNull(options);
        Options = options;
        _dynamics = new EgnnDynamics(options);
        if (device is not null && device.type != DeviceType.CPU) _dynamics.to(device);
    }

    /// <summary>The configuration.</summary>
    public EgnnOptions Options { get; }

    /// <inheritdoc />
    public nn.Module Module => _dynamics;

    /// <inheritdoc />
    public int FeatureCount => Options.FeatureCount;

    /// <inheritdoc />
    public int ContextCount => Options.ContextCount;

    /// <summary>Number of trainable parameters.</summary>
    public long ParameterCount => _dynamics.parameters().Sum(p => p.numel());

    /// <summary>Number of edge lists currently cached (one per distinct atom-count signature seen recently).</summary>
    public int CachedGraphCount => _dynamics.Graphs.Count;

    /// <summary>
    /// Predicts (eps_x, eps_h) for a padded batch. The batch structure comes from <see cref="DenoiserInput.Sizes"/>, or
    /// from <see cref="DenoiserInput.AtomCounts"/> (copied to the host) when they are not given (real atoms first in every
    /// molecule, as <see cref="DenoiserInput.NodeMask"/> must agree); padding slots are ignored on input and zero on
    /// output. Runs on the device of <see cref="DenoiserInput.Positions"/>; the edge lists of a batch stay cached there.
    /// </summary>
    public DenoiserOutput Predict(DenoiserInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var (x, h) = _dynamics.Forward(input.Positions, input.Features, input.Time, input.AtomCounts, input.Context, input.Sizes);
        return new DenoiserOutput(x, h);
    }

    /// <summary>
    /// Loads a state dict strictly (see <see cref="StateDictFile.Load"/>). With <paramref name="prefix"/> null, an EDM
    /// checkpoint's <c>dynamics.</c> prefix is used when present, else no prefix.
    /// </summary>
    /// <exception cref="StateDictMismatchException">A key is missing, unexpected, or has the wrong shape.</exception>
    public void LoadStateDict(IReadOnlyDictionary<string, Tensor> stateDict, string? prefix = null)
    {
        ArgumentNullException.ThrowIfNull(stateDict);
        prefix ??= stateDict.Keys.Any(k => k.StartsWith(EdmCheckpointPrefix, StringComparison.Ordinal)) ? EdmCheckpointPrefix : "";
        StateDictFile.Load(_dynamics, stateDict, prefix);
    }

    /// <summary>
    /// Loads a checkpoint file: a <c>torch.save</c> state dict (<c>.pt</c>, EDM's <c>generative_model*.npy</c>) or a
    /// <c>.npz</c> of named arrays; the <c>dynamics.</c> prefix is stripped when present.
    /// </summary>
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

    /// <summary>Builds an EGNN with <paramref name="options"/> and loads <paramref name="path"/> into it.</summary>
    public static EgnnDenoiser FromCheckpoint(string path, EgnnOptions options, Device? device = null)
    {
        var denoiser = new EgnnDenoiser(options, device);
        try
        {
            denoiser.LoadStateDict(path);
            return denoiser;
        }
        catch
        {
            denoiser.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public ComponentDescription Describe() => EgnnDenoiserFactory.Describe(Options);

    /// <summary>Releases the module and the cached edge lists.</summary>
    public void Dispose() => _dynamics.Dispose();
}

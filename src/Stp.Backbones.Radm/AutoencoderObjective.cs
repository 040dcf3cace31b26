using Stp.Diffusion;
using Stp.Objectives;
using static TorchSharp.torch;

namespace Stp.Backbones.Radm;

/// <summary>
/// RADM's stage-1 objective ("radm.autoencoder"): no diffusion at all. The model's <see cref="RadmCodec"/> in the
/// <see cref="RadmStage.Autoencoder"/> stage supplies the whole loss through the pipeline's auxiliary-loss seam
/// (<see cref="RadmCodec.AuxiliaryLoss"/>: reconstruction of the rotated molecule from the noisy latent), so this
/// objective returns zero for every molecule and never calls the denoiser, whose parameters are frozen in this stage
/// (<see cref="RadmModel"/>). <see cref="Stp.Training.DiffusionTrainer"/> then optimises exactly
/// the aligner and the decoder: the parts' parameters that require gradients.
/// </summary>
public sealed class AutoencoderObjective : ITrainingObjective
{
    /// <summary>The name stored in model files.</summary>
    public const string ObjectiveName = "radm.autoencoder";

    /// <summary>The objective (it has no settings).</summary>
    public static AutoencoderObjective Instance { get; } = new();

    /// <inheritdoc />
    public string Name => ObjectiveName;

    /// <inheritdoc />
    /// <exception cref="InvalidOperationException">The model's codec is not a <see cref="RadmCodec"/> in the autoencoder stage.</exception>
    public ObjectiveLoss Loss(DiffusionModel model, ObjectiveInput input)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(input);
        if (model.Codec is not RadmCodec { Stage: RadmStage.Autoencoder })
            throw new InvalidOperationException($"The '{ObjectiveName}' objective trains RADM's autoencoder: the model's codec must be a RadmCodec in the Autoencoder stage (it is {model.Codec.GetType().Name}{(model.Codec is RadmCodec r ? $" in the {r.Stage} stage" : "")}).");
        var per = zeros(input.Sizes.Count, device: input.NodeMask.device);
        return new ObjectiveLoss(per, new double[input.Sizes.Count]);
    }
}

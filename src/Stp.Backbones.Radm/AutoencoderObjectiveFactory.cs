using Stp.Models;

[assembly: ModelComponentFactory(typeof(Stp.Backbones.Radm.AutoencoderObjectiveFactory))]

namespace Stp.Backbones.Radm;

/// <summary>Rebuilds the <see cref="AutoencoderObjective"/> of a RADM stage-1 model file ("radm.autoencoder").</summary>
public sealed class AutoencoderObjectiveFactory : IModelComponentFactory
{
    /// <inheritdoc />
    public string Type => AutoencoderObjective.ObjectiveName;

    /// <inheritdoc />
    public object Create(ComponentDescription description, ModelBuildContext context) => AutoencoderObjective.Instance;
}

using System.Reflection;
using Testbed.Services;
using Xunit;

namespace Testbed.Tests.Architecture;

/// <summary>Service code cannot bypass the wire: no service can reach another grain except through <see cref="Testbed.Wire.IWire"/>.</summary>
public sealed class ServiceIsolationTests
{
    private static readonly Type[] Forbidden = [typeof(IGrainFactory), typeof(IClusterClient), typeof(Grain), typeof(IServiceProvider)];

    private static IEnumerable<Type> ServiceTypes() => typeof(ServiceGrain).Assembly.GetTypes()
        .Where(t => t.Namespace is { } ns && (ns == "Testbed.Services" || ns.StartsWith("Testbed.Services.", StringComparison.Ordinal)));

    [Fact]
    public void Services_take_no_grain_factory_client_or_service_provider()
    {
        var offenders = new List<string>();
        foreach (var type in ServiceTypes())
        {
            if (typeof(Grain).IsAssignableFrom(type))
            {
                offenders.Add($"{type.Name} derives from Grain (which exposes a grain factory)");
            }

            const BindingFlags all = BindingFlags.Instance | BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly;
            var members = type.GetConstructors(all).SelectMany(c => c.GetParameters()).Select(p => (Name: $"ctor({p.Name})", p.ParameterType))
                .Concat(type.GetFields(all).Select(f => (Name: f.Name, f.FieldType)))
                .Concat(type.GetProperties(all).Select(p => (Name: p.Name, p.PropertyType)));
            offenders.AddRange(members.Where(m => Forbidden.Any(f => f.IsAssignableFrom(m.Item2))).Select(m => $"{type.Name}.{m.Name}: {m.Item2.Name}"));
        }

        Assert.Empty(offenders);
    }

    [Fact]
    public void Every_service_grain_is_an_envelope_endpoint()
    {
        var grains = ServiceTypes().Where(t => !t.IsAbstract && typeof(IGrainBase).IsAssignableFrom(t)).ToList();
        Assert.NotEmpty(grains);
        Assert.All(grains, g => Assert.True(typeof(ServiceGrain).IsAssignableFrom(g), $"{g.Name} is a grain that is not a ServiceGrain"));
    }
}

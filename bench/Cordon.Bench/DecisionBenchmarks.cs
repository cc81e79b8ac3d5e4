using System.Collections.Frozen;
using BenchmarkDotNet.Attributes;
using Cordon.Core.Access;
using Cordon.Core.Catalog;
using Cordon.Core.Consent;
using Cordon.Core.Decisions;
using Cordon.Core.Profiles;
using Cordon.Core.Subjects;

namespace Cordon.Bench;

/// <summary>
/// The access decision on the default profile for a permit with masking: support staff reading a Patient record under
/// appointment with the subject's consent granted (role, purpose, type coverage, state, consent, care, level, masking).
/// Baseline: the one check a naive implementation might do, a frozen-set lookup of the role among the purpose's readers.
/// Each benchmark makes 1,000 decisions, so the reported time is per decision.
/// </summary>
[MemoryDiagnoser]
public class DecisionBenchmarks
{
    private const int Decisions = 1000;
    private AccessPolicy _policy = null!;
    private AccessRequest _request;
    private FrozenSet<Role> _readers = null!;
    private Role _role;

    [GlobalSetup]
    public void Setup()
    {
        var profile = ProfileLoader.Load(File.ReadAllText(Profiles.Find("internet-hospital.yaml")), "internet-hospital.yaml").Profile
            ?? throw new InvalidOperationException("the default profile does not load");
        _policy = new AccessPolicy(profile);
        if (!_policy.TryGetPurpose("appointment", out var purpose) || !_policy.TryGetType("Patient", out var patient))
        {
            throw new InvalidOperationException("the default profile lacks appointment or Patient");
        }

        _request = new AccessRequest
        {
            Role = Role.Support,
            Purpose = purpose,
            RecordType = patient,
            Action = AccessAction.Read,
            Level = Level.L4,
            SubjectState = SubjectState.Active,
            Link = SubjectLink.None,
            Consent = ConsentStatus.Granted,
            Care = CareRelation.None,
        };
        _readers = _policy.Purpose(purpose).ReadRoles.ToFrozenSet();
        _role = Role.Support;
        var decision = _policy.Decide(_request);
        if (decision.Outcome != DecisionOutcome.PermitMasked)
        {
            throw new InvalidOperationException($"expected permit-masked, got {decision.OutcomeKey}");
        }
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Decisions, Description = "FrozenSet<Role> lookup (role among the purpose's readers)")]
    public int RoleLookup()
    {
        var permitted = 0;
        for (var i = 0; i < Decisions; i++)
        {
            permitted += _readers.Contains(_role) ? 1 : 0;
        }

        return permitted;
    }

    [Benchmark(OperationsPerInvoke = Decisions, Description = "AccessPolicy.Decide: support reads Patient under appointment (permit-masked)")]
    public int Decide()
    {
        var masked = 0;
        for (var i = 0; i < Decisions; i++)
        {
            masked += _policy.Decide(_request).Outcome == DecisionOutcome.PermitMasked ? 1 : 0;
        }

        return masked;
    }
}

/// <summary>Finds a shipped profile above the benchmark binaries.</summary>
internal static class Profiles
{
    public static string Find(string name)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "profiles", name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException($"profiles/{name} was not found above the benchmark binaries");
    }
}

using System.Text.Json;
using Cordon.Core.Access;
using Cordon.Core.Decisions;
using Cordon.Core.Profiles;

namespace Cordon.Core.Care;

/// <summary>A content refusal: the refusal with a detail naming what in the record decided it (paths and codes, never values).</summary>
public readonly record struct ScopeVerdict(Refusal Refusal, string Detail);

/// <summary>
/// What an operator may write, by content (R59; Internet Medical and Health Information Services Measures 2009 Art. 12):
/// a health-information service may not write a diagnosis (a Condition with a clinicalStatus, a Communication of category
/// <see cref="DiagnosisCategory"/>), a treatment plan (a CarePlan, a Communication of category <see cref="TreatmentPlanCategory"/>)
/// or a prescription (a MedicationRequest), whatever its catalog says; and under every operator type a remote consultation
/// (a purpose of service <see cref="TelemedicineService"/>) is a ServiceRequest from one medical institution to another.
/// Pure: the record's type, its JSON bytes, the operator type, the purpose's service and the writer's role.
/// </summary>
public static class ServiceScope
{
    /// <summary>The coding system of the communication categories Cordon reads (a Communication's <c>category.coding</c>).</summary>
    public const string CommunicationCategorySystem = "urn:cordon:communication-category";

    /// <summary>A Communication that states a diagnosis.</summary>
    public const string DiagnosisCategory = "diagnosis";

    /// <summary>A Communication that states a treatment plan.</summary>
    public const string TreatmentPlanCategory = "treatment-plan";

    /// <summary>The service key of remote consultations between medical institutions.</summary>
    public const string TelemedicineService = "telemedicine";

    /// <summary>Null when the record is within the operator's scope, else the refusal and what decided it.</summary>
    public static ScopeVerdict? Check(OperatorType operatorType, string? service, Role writer, string type, ReadOnlySpan<byte> json)
    {
        ArgumentNullException.ThrowIfNull(type);
        var nonInstitution = operatorType == OperatorType.HealthInformationService;
        var telemedicine = string.Equals(service, TelemedicineService, StringComparison.Ordinal);
        if (!nonInstitution && !telemedicine)
        {
            return null;
        }

        if (telemedicine && writer is Role.Patient or Role.Guardian)
        {
            return new(ScopeRefusals.TelemedicineNotInstitutional, $"A {writer.ToKey()} may not initiate a remote consultation; {ScopeRefusals.TelemedicineNotInstitutional.Detail}");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json.ToArray());
        }
        catch (JsonException)
        {
            // Prepared records are valid JSON; anything else is out of scope by construction.
            return new(ScopeRefusals.OutsideServiceScope, "The record is not a JSON object.");
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return new(ScopeRefusals.OutsideServiceScope, "The record is not a JSON object.");
            }

            if (nonInstitution && NonInstitution(type, root) is { } refused)
            {
                return refused;
            }

            return telemedicine ? Telemedicine(type, root) : null;
        }
    }

    private static ScopeVerdict? NonInstitution(string type, JsonElement root)
    {
        var instead = ScopeRefusals.OutsideServiceScope.Detail;
        switch (type)
        {
            case "MedicationRequest":
                return new(ScopeRefusals.OutsideServiceScope, $"A MedicationRequest is a prescription. {instead}");
            case "CarePlan":
                return new(ScopeRefusals.OutsideServiceScope, $"A CarePlan is a treatment plan. {instead}");
            case "Condition" when root.TryGetProperty("clinicalStatus", out _):
                return new(ScopeRefusals.OutsideServiceScope, $"A Condition with clinicalStatus is a diagnosis; leave clinicalStatus out to record a concern the user reported. {instead}");
            case "Communication" when CategoryOf(root) is { } category:
                return new(ScopeRefusals.OutsideServiceScope, $"A Communication of category {CommunicationCategorySystem}|{category} states a {(category == DiagnosisCategory ? "diagnosis" : "treatment plan")}. {instead}");
            default:
                return null;
        }
    }

    private static ScopeVerdict? Telemedicine(string type, JsonElement root)
    {
        if (!string.Equals(type, "ServiceRequest", StringComparison.Ordinal))
        {
            return null;
        }

        var instead = ScopeRefusals.TelemedicineNotInstitutional.Detail;
        if (!root.TryGetProperty("requester", out var requester) || !IsOrganization(requester))
        {
            return new(ScopeRefusals.TelemedicineNotInstitutional, $"requester does not reference an Organization. {instead}");
        }

        if (!root.TryGetProperty("performer", out var performers) || performers.ValueKind != JsonValueKind.Array || performers.GetArrayLength() == 0)
        {
            return new(ScopeRefusals.TelemedicineNotInstitutional, $"performer names no Organization. {instead}");
        }

        foreach (var performer in performers.EnumerateArray())
        {
            if (!IsOrganization(performer))
            {
                return new(ScopeRefusals.TelemedicineNotInstitutional, $"a performer does not reference an Organization. {instead}");
            }
        }

        return null;
    }

    /// <summary>A Reference to an Organization: <c>reference</c> "Organization/…", or <c>type</c> "Organization" with no other kind of reference.</summary>
    private static bool IsOrganization(JsonElement reference)
    {
        if (reference.ValueKind != JsonValueKind.Object)
        {
            return false;
        }

        var hasReference = reference.TryGetProperty("reference", out var r) && r.ValueKind == JsonValueKind.String;
        if (hasReference)
        {
            return r.GetString()!.StartsWith("Organization/", StringComparison.Ordinal)
                && (!reference.TryGetProperty("type", out var t) || t.ValueKind != JsonValueKind.String || t.ValueEquals("Organization"));
        }

        return reference.TryGetProperty("type", out var only) && only.ValueKind == JsonValueKind.String && only.ValueEquals("Organization");
    }

    /// <summary>The diagnosis or treatment-plan category a Communication carries (category[].coding[] in <see cref="CommunicationCategorySystem"/>), or null.</summary>
    private static string? CategoryOf(JsonElement root)
    {
        if (!root.TryGetProperty("category", out var categories) || categories.ValueKind != JsonValueKind.Array)
        {
            return null;
        }

        foreach (var category in categories.EnumerateArray())
        {
            if (category.ValueKind != JsonValueKind.Object || !category.TryGetProperty("coding", out var codings) || codings.ValueKind != JsonValueKind.Array)
            {
                continue;
            }

            foreach (var coding in codings.EnumerateArray())
            {
                if (coding.ValueKind == JsonValueKind.Object
                    && coding.TryGetProperty("system", out var system) && system.ValueKind == JsonValueKind.String && system.ValueEquals(CommunicationCategorySystem)
                    && coding.TryGetProperty("code", out var code) && code.ValueKind == JsonValueKind.String)
                {
                    if (code.ValueEquals(DiagnosisCategory))
                    {
                        return DiagnosisCategory;
                    }

                    if (code.ValueEquals(TreatmentPlanCategory))
                    {
                        return TreatmentPlanCategory;
                    }
                }
            }
        }

        return null;
    }
}

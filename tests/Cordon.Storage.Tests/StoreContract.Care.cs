namespace Cordon.Storage.Tests;

/// <summary>The storage contract: Care: the practitioner register.</summary>
public abstract partial class StoreContract
{
    private static PractitionerRow Practitioner(string id, string role = "physician") => new()
    {
        Tenant = Tenant,
        Id = id,
        Role = role,
        RegisteredAt = T0,
        RegisteredBy = "ops-admin",
        Body = "{\"role\":\"" + role + "\"}",
        UpdatedAt = T0,
    };

    [Fact]
    public async Task A_practitioner_is_registered_once_with_its_audit_entry_and_a_second_registration_writes_nothing()
    {
        Assert.Equal(WriteStatus.Done, await Store.RegisterPractitionerAsync(Practitioner("dr-li"), Audit("practitioner.register", null), default));
        var audited = await CountAuditAsync();

        Assert.Equal(WriteStatus.Conflict, await Store.RegisterPractitionerAsync(Practitioner("dr-li", "nurse"), Audit("practitioner.register", null), default));

        Assert.Equal(audited, await CountAuditAsync());
        var found = await Store.GetPractitionerAsync(Tenant, "dr-li", default);
        Assert.NotNull(found);
        Assert.Equal("physician", found.Role);
        Assert.Equal(T0, found.RegisteredAt);
        Assert.Null(found.Suspension);
        Assert.Null(await Store.GetPractitionerAsync("other-tenant", "dr-li", default));
    }

    [Fact]
    public async Task A_suspension_is_set_and_lifted_with_its_audit_entry_and_an_unknown_practitioner_is_not_found()
    {
        await Store.RegisterPractitionerAsync(Practitioner("dr-wang"), Audit("practitioner.register", null), default);
        await Store.RegisterPractitionerAsync(Practitioner("nurse-wu", "nurse"), Audit("practitioner.register", null), default);
        var audited = await CountAuditAsync();

        Assert.Equal(WriteStatus.Done, await Store.SetPractitionerSuspensionAsync(Tenant, "dr-wang", "{\"reason\":\"review\"}", T0.AddHours(1), Audit("practitioner.suspend", null), default));
        var suspended = await Store.GetPractitionerAsync(Tenant, "dr-wang", default);
        Assert.Equal("{\"reason\":\"review\"}", suspended!.Suspension);
        Assert.Equal(T0.AddHours(1), suspended.UpdatedAt);

        Assert.Equal(WriteStatus.Done, await Store.SetPractitionerSuspensionAsync(Tenant, "dr-wang", null, T0.AddHours(2), Audit("practitioner.reinstate", null), default));
        Assert.Null((await Store.GetPractitionerAsync(Tenant, "dr-wang", default))!.Suspension);
        Assert.Equal(audited + 2, await CountAuditAsync());

        Assert.Equal(WriteStatus.NotFound, await Store.SetPractitionerSuspensionAsync(Tenant, "dr-none", "{}", T0, Audit("practitioner.suspend", null), default));
        Assert.Equal(audited + 2, await CountAuditAsync());
        Assert.Equal(["dr-wang", "nurse-wu"], (await Store.ListPractitionersAsync(Tenant, default)).Select(p => p.Id).Order(StringComparer.Ordinal));
    }
}

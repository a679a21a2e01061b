from server.i18n import register

CODES = {
    "funeral.full": "您选择的时段刚刚约满了，请换一个时段。",
    "funeral.choose_slot": "请至少选择一个服务时段。",
    "funeral.one_per_kind": "每项服务请只选择一个时段。",
    "funeral.account_limit": "您的账号已有3个未完成的预约，请先完成或取消其中一个再预约。",
    "funeral.deceased_booked": "这位逝者的这项服务已经有人预约了，不能重复预约。如需改期，请在原预约中操作。",
    "funeral.waiver_step": "这笔惠民殡葬减免已经核实过，或预约已经结束，不能再操作。",
    "funeral.waiver_first": "请先核实惠民殡葬减免，再登记缴费。",
    "funeral.not_open": "该预约已经取消或完成。",
    "funeral.too_late": "已超过可取消或改期的时间，请直接联系服务机构。",
    "funeral.device": "设备未授权。",
    "funeral.position": "位置数据不正确。",
    "funeral.not_done": "服务完成后才能评价。",
    "funeral.amount": "收费金额应等于待缴金额。",
    "funeral.capacity": "容量不能小于已预约数量。",
    "funeral.plots_csv": "CSV 文件格式不正确，或包含不属于您机构的墓位；没有导入任何记录。",
    "funeral.subsidy_step": "该补贴当前状态下不能进行此操作（发放需填写转账流水号）。",
    "subsidy.no_death_record": "没有找到逝者的死亡或火化记录，请先办理死亡登记或火化。",
    "subsidy.relationship": "请选择您与逝者的关系。",
    "subsidy.paid_before": "该逝者已经申请或领取过殡葬补贴，不能重复申请。",
    "funeral.status.booked": "已预约",
    "funeral.status.cancelled": "已取消",
    "funeral.status.completed": "已完成",
    "funeral.pickup.waiting": "等待出车",
    "funeral.pickup.on_the_way": "车辆已出发",
    "funeral.pickup.arrived": "车辆已到达",
    "funeral.pickup.done": "接运完成",
    "subsidy.status.submitted": "审核中",
    "subsidy.status.approved": "已批准，待发放",
    "subsidy.status.rejected": "未批准",
    "subsidy.status.paid": "已发放",
}
EN = {
    "每项服务请只选择一个时段。": "Please choose one time for each service.",
    "您的账号已有3个未完成的预约，请先完成或取消其中一个再预约。": "Your account already has 3 open bookings; "
    "complete or cancel one before booking again.",
    "这位逝者的这项服务已经有人预约了，不能重复预约。如需改期，请在原预约中操作。": "This service is already booked for "
    "this person; it cannot be booked twice. To change the time, use the existing booking.",
    "这笔惠民殡葬减免已经核实过，或预约已经结束，不能再操作。": "This fee waiver has already been checked, or the booking "
    "is closed.",
    "请先核实惠民殡葬减免，再登记缴费。": "Check the fee waiver first, then record the payment.",
    "惠民殡葬减免（已核对死亡记录）": "Basic-service fee waiver (death record checked)",
    "惠民殡葬减免待窗口核实": "Basic-service fee waiver waiting for a check at the counter",
    "惠民殡葬减免（窗口已核实）": "Basic-service fee waiver (checked at the counter)",
    "惠民殡葬减免未通过核实": "Basic-service fee waiver refused at the counter",
    "：请带逝者的死亡证明（或火化证明）和户口簿、低保或特困证到服务机构窗口，核实后免除基本服务费用；核实前按全价显示。": ": "
    "bring the death (or cremation) certificate and the hukou book or assistance card to the counter; the basic "
    "services are waived once checked. Until then the full price is shown.",
    "请核对死亡证明（或火化证明），以及户口簿或低保、特困证明，再决定是否免除基本服务费用。": "Check the death (or "
    "cremation) certificate and the hukou book or assistance card, then decide on the basic-service waiver.",
    "核实通过，免除": "Checked: waive",
    "该预约已经取消或完成。": "This booking is already cancelled or completed.",
    "取消预约": "Cancel the booking",
    "取消原因（家属未到场、窗口申请取消等）": "Reason for cancelling (the family did not come, asked at the counter...)",
    "不符合，按全价收费": "Not eligible: full price",
    "您选择的时段刚刚约满了，请换一个时段。": "That time has just been fully booked; please choose another.",
    "该逝者已经申请或领取过殡葬补贴，不能重复申请。": "A subsidy has already been applied for or paid for this person.",
    "殡葬服务": "Funeral services",
    "查询殡仪馆、公墓和墓位，预约服务": "Find funeral homes, cemeteries and graves; book services",
}
register(CODES, EN)

from server.i18n import register

CODES = {
    "funeral.full": "您选择的时段刚刚约满了，请换一个时段。",
    "funeral.choose_slot": "请至少选择一个服务时段。",
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
    "您选择的时段刚刚约满了，请换一个时段。": "That time has just been fully booked; please choose another.",
    "该逝者已经申请或领取过殡葬补贴，不能重复申请。": "A subsidy has already been applied for or paid for this person.",
    "殡葬服务": "Funeral services",
    "查询殡仪馆、公墓和墓位，预约服务": "Find funeral homes, cemeteries and graves; book services",
}
register(CODES, EN)

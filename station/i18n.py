"""Every user-visible string, in Chinese and English, from one catalogue.

Phrases the attendant says aloud come from the service standards (seed 002): they are shown in Chinese in
both languages, with an English gloss when the UI is English, because the driver hears Chinese.
"""

from __future__ import annotations

from typing import Any, Literal

Language = Literal["zh", "en"]

CATALOGUE: dict[str, tuple[str, str]] = {
    # --- the app
    "app.title": ("{station}加气站 · 加气终端", "{station} CNG station · attendant terminal"),
    "lang.switched": ("已切换为中文", "Switched to English"),
    "key.quit": ("退出", "Quit"),
    "key.lang": ("中/EN", "中/EN"),
    "key.confirm": ("确认", "Confirm"),
    "key.back": ("返回", "Back"),
    "key.abort": ("中止", "Abort"),
    "key.estop": ("紧急停止", "E-STOP"),
    "key.sim": ("模拟器", "Simulator"),
    "key.logout": ("注销", "Log out"),
    "key.start": ("开始加气", "Start"),
    "key.settle": ("结算", "Settle"),
    "key.cash": ("现金", "Cash"),
    "key.card": ("加气卡", "Card"),
    "key.override": ("站长放行", "Override"),
    "key.amount": ("定金额", "By amount"),
    "key.quantity": ("定气量", "By quantity"),
    "key.fillup": ("加满", "Fill up"),
    "key.reprint": ("重打小票", "Reprint"),
    "key.lane": ("选枪", "Nozzle"),
    "key.to_cash": ("改用现金", "Pay cash"),
    "key.read_gauge": ("读加气机", "Read dispenser"),
    "key.unloading": ("卸气", "Unload"),
    "key.cards": ("卡务", "Cards"),
    "key.desk": ("站长", "Desk"),
    # --- login
    "login.title": ("加气员登录", "Attendant login"),
    "login.number": ("工号", "Staff number"),
    "login.pin": ("密码", "PIN"),
    "login.hint": (
        "输入工号和密码后按回车,或在读卡器上刷员工卡",
        "Type your staff number and PIN, then Enter; or present your staff card",
    ),
    "login.welcome": ("{name},您好", "Hello, {name}"),
    # --- overview
    "overview.title": ("加气区总览", "Forecourt"),
    "overview.hint": (
        "←→↑↓ 选枪 · ⏎ 开始或继续流程 · Ctrl+L 注销 · Ctrl+Q 退出",
        "←→↑↓ nozzle · ⏎ start or continue · Ctrl+L log out · Ctrl+Q quit",
    ),
    "lane.name": ("{d}号机 {n}号枪", "Disp. {d} nozzle {n}"),
    "lane.unpaid": ("未付 {count} 笔 ¥{amount}", "Unpaid {count}: ¥{amount}"),
    "lane.link_down": ("通讯中断", "LINK DOWN"),
    "lane.in_sequence": ("加气流程中: {step}", "In sequence: {step}"),
    "lane.qty": ("气量", "Qty"),
    "lane.amount": ("金额", "Amount"),
    "lane.pressure": ("压力", "Pressure"),
    "nozzle.idle": ("空闲", "idle"),
    "nozzle.lifted": ("已提枪", "nozzle lifted"),
    "nozzle.authorized": ("已授权", "authorized"),
    "nozzle.filling": ("加气中", "FILLING"),
    "nozzle.finished": ("加气结束", "finished"),
    "nozzle.stopped": ("已停止", "stopped"),
    "nozzle.fault": ("故障", "FAULT"),
    "nozzle.offline": ("离线", "offline"),
    "nozzle.unknown": ("未知", "unknown"),
    # --- the sequence
    "step.arrival": ("1 进站引导", "1 Arrival"),
    "step.safety": ("2 安全检查", "2 Safety stop"),
    "step.payment": ("3 付款方式", "3 Payment"),
    "step.card": ("4 验卡", "4 Card check"),
    "step.vehicle": ("5 车辆与气瓶", "5 Vehicle & cylinder"),
    "step.connect": ("6 连接·余压·检漏", "6 Connect, pressure, leak"),
    "step.authorize": ("7 预置并授权", "7 Preset & authorize"),
    "step.filling": ("8 加气", "8 Filling"),
    "step.disconnect": ("9 关阀泄压拔枪", "9 Disconnect"),
    "step.settle": ("10 结算", "10 Settle"),
    "step.farewell": ("11 送别", "11 Farewell"),
    "step.done": ("完成", "Done"),
    "step.aborted": ("已中止", "Aborted"),
    "say": ("请说", "Say"),
    "do": ("操作", "Do"),
    "phrase.arrival": ("您好,欢迎光临{station}加气站", "Hello, welcome to {station} CNG station"),
    "do.arrival": ("引导车辆进入{lane},按回车确认车道", "Guide the vehicle to {lane}; Enter confirms the lane"),
    "phrase.passengers_out": ("您好,请下车,禁止载客加气", "Please get out: no passengers while filling"),
    "do.passengers_out": (
        "确认车上人员全部下车,在指定区域等候",
        "Confirm everyone is out and waiting in the safe area",
    ),
    "phrase.engine_off": ("请关闭发动机并拉手刹", "Please switch off the engine and pull the handbrake"),
    "do.engine_off": (
        "确认发动机已熄火、手刹已拉 (开始30秒计时)",
        "Confirm engine off, handbrake on (starts the 30 s timer)",
    ),
    "phrase.no_phone_smoking": ("请勿吸烟,请勿使用手机", "No smoking, no phone please"),
    "do.no_phone_smoking": ("确认无烟火、无手机使用", "Confirm no smoking, no phone"),
    "phrase.hood_open": ("请打开引擎盖与后备箱", "Please open the hood and the boot"),
    "do.hood_open": ("确认引擎盖与后备箱已打开", "Confirm hood and boot are open"),
    "phrase.payment": ("您好,请问用现金还是用卡", "Cash or card, please?"),
    "do.payment": ("C 现金 · K 加气卡", "C cash · K card"),
    "phrase.card": ("请出示加气卡", "Your fuel card, please"),
    "do.card": (
        "在读卡器上刷卡,或输入卡号;核对车号;请驾驶员输入密码",
        "Present the card on the reader or type its number; check the plate; the driver types the PIN",
    ),
    "card.number": ("卡号", "Card number"),
    "card.plate": ("车牌号", "Plate"),
    "card.pin": ("密码 (驾驶员输入)", "PIN (driver types)"),
    "card.balance": ("余额 ¥{balance}", "Balance ¥{balance}"),
    "card.accepted": ("卡已通过:{holder} 余额 ¥{balance}", "Card accepted: {holder}, balance ¥{balance}"),
    "card.held": ("已灰锁 ¥{amount}", "Held (灰锁) ¥{amount}"),
    "card.read": ("读卡器读到卡 {uid}", "Reader read card {uid}"),
    "phrase.card_return": ("请收好加气卡", "Please keep your card"),
    "phrase.vehicle": ("核对车号", "Checking the plate"),
    "do.vehicle": ("输入车牌号,回车查询气瓶登记", "Type the plate, Enter checks the cylinder registry"),
    "vehicle.ok": ("气瓶检验合格", "Cylinders fine"),
    "phrase.nozzle_connected": ("请稍等", "One moment please"),
    "do.nozzle_connected": ("连接加气枪", "Connect the nozzle"),
    "phrase.valves_open": (
        "打开加气枪阀门和气瓶阀门并查看气瓶余压",
        "Open the nozzle valve and the cylinder valve; read the residual pressure",
    ),
    "do.valves_open": ("确认两个阀门已打开", "Confirm both valves are open"),
    "phrase.residual_pressure": ("查看气瓶余压", "Read the residual pressure"),
    "do.residual_pressure": (
        "G 读加气机压力,或输入压力表读数 (MPa)",
        "G reads the dispenser's gauge, or type the gauge (MPa)",
    ),
    "phrase.no_leak": ("发现漏点不得充装", "Never fill with a leak"),
    "do.no_leak": ("检查无泄漏后确认;有泄漏按 X 中止", "Confirm no leak; a leak: X aborts"),
    "pressure.label": ("余压 MPa", "Residual MPa"),
    "phrase.authorize": ("开始加气", "Starting the fill"),
    "do.authorize": (
        "A 定金额 · Q 定气量 · U 加满;卡付款先灰锁余额",
        "A by amount · Q by quantity · U fill up; a card is held (灰锁) first",
    ),
    "preset.amount": ("预置金额 (元)", "Preset amount (yuan)"),
    "preset.quantity": ("预置气量 ({unit})", "Preset quantity ({unit})"),
    "phrase.filling": ("正在加气,请稍候", "Filling, please wait"),
    "do.filling": ("注意压力与泄漏;F9 立即停止", "Watch pressure and leaks; F9 stops at once"),
    "phrase.cylinder_valve_closed": (
        "关闭气瓶阀门并打开加气枪泄压阀",
        "Close the cylinder valve and open the nozzle vent",
    ),
    "do.cylinder_valve_closed": ("确认气瓶阀门已关闭", "Confirm the cylinder valve is closed"),
    "phrase.nozzle_vented_removed": ("泄压后再拔下加气枪", "Vent first, then remove the nozzle"),
    "do.nozzle_vented_removed": ("确认已泄压并拔枪挂回", "Confirm vented, removed and hung up"),
    "phrase.settle_card": ("您好,请收好加气卡,卡上余额{balance}元", "Here is your card; the balance is {balance} yuan"),
    "phrase.settle_cash": (
        "收到您{tendered}元,找您{change}元,请拿好",
        "Received {tendered} yuan, your change {change} yuan",
    ),
    "phrase.settle_due": (
        "本次加气{quantity}{unit},金额{amount}元,请核对",
        "{quantity} {unit}, {amount} yuan, please check",
    ),
    "do.settle_cash": ("输入收款金额,确认验钞后回车", "Type the cash tendered; Enter after the counterfeit check"),
    "do.settle_card": ("回车扣款并打印小票", "Enter charges the card and prints the receipt"),
    "settle.tendered": ("收款 (元)", "Tendered (yuan)"),
    "settle.counterfeit": ("已验钞", "Counterfeit check done"),
    "settle.due": ("应收 ¥{amount}", "Due ¥{amount}"),
    "settle.change": ("找零 ¥{change}", "Change ¥{change}"),
    "settle.low_balance": ("余额不多,请及时充值", "Low balance: please top up soon"),
    "settle.receipt": ("小票预览", "Receipt preview"),
    "settle.printed": ("小票已打印", "Receipt printed"),
    "settle.print_queued": ("打印失败,小票已排队:{error}", "Print failed, receipt queued: {error}"),
    "phrase.farewell": ("请走好,欢迎再次光临", "Goodbye, welcome back"),
    "do.farewell": ("引导车辆驶离,回车释放车道", "Guide the vehicle out; Enter frees the lane"),
    "timer.engine": ("熄火→出气 {elapsed}/{limit}s", "Engine-off→gas {elapsed}/{limit}s"),
    "timer.settle": ("结束→结算 {elapsed}/{limit}s", "Fill end→paid {elapsed}/{limit}s"),
    "timer.ok": ("✓", "✓"),
    "timer.late": ("超时", "LATE"),
    "live": ("{qty} {unit} · ¥{amount} · {pressure} MPa", "{qty} {unit} · ¥{amount} · {pressure} MPa"),
    "abort.title": ("中止原因", "Abort reason"),
    "abort.driver_left": ("驾驶员离开", "Driver left"),
    "abort.card_refused": ("卡被拒", "Card refused"),
    "abort.cylinder_refused": ("气瓶不合格", "Cylinder refused"),
    "abort.low_residual_pressure": ("余压过低,需先置换", "Residual pressure too low: purge first"),
    "abort.cylinder_full": ("气瓶已满", "Cylinder full"),
    "abort.leak": ("发现泄漏", "Leak found"),
    "abort.safety_refused": ("安全要求未落实", "Safety rules refused"),
    "abort.emergency_stop": ("紧急停止", "Emergency stop"),
    "abort.dispenser_fault": ("加气机故障", "Dispenser fault"),
    "abort.attendant": ("其他原因", "Other reason"),
    "aborted": ("流程已中止:{reason}", "Sequence aborted: {reason}"),
    "estop.done": ("已紧急停止 {lane}", "Emergency stop sent to {lane}"),
    "leak.alarm": ("{lane} 泄漏报警!加气已停止", "{lane} LEAK ALARM! Fill stopped"),
    "alarm": ("{lane} 报警:{kind}", "{lane} alarm: {kind}"),
    "manager.title": ("站长授权", "Manager authorisation"),
    "manager.number": ("站长工号", "Manager number"),
    "manager.pin": ("站长密码", "Manager PIN"),
    "manager.reason": ("原因 (必填)", "Reason (required)"),
    "sim.title": ("模拟器控制台", "Simulator panel"),
    "sim.help": (
        "L 提枪 · H 挂枪 · K 泄漏 · 1-4 刷卡 · R 移开卡 · Esc 关闭",
        "L lift nozzle · H hang up · K leak · 1-4 present card · R remove card · Esc close",
    ),
    "sim.lifted": ("模拟:{lane} 已提枪", "Sim: {lane} nozzle lifted"),
    "sim.hung": ("模拟:{lane} 已挂枪", "Sim: {lane} nozzle hung up"),
    "sim.leak": ("模拟:{lane} 泄漏", "Sim: {lane} leak"),
    "sim.card": ("模拟:刷卡 {uid}", "Sim: card {uid} presented"),
    "sim.card_removed": ("模拟:卡已移开", "Sim: card removed"),
    "device.link_up": ("加气机通讯正常", "Dispenser link up"),
    "device.link_down": ("加气机通讯中断:{reason}", "Dispenser link down: {reason}"),
    "device.reader_down": ("读卡器离线,可手工输入卡号", "Card reader down: type the card number"),
    "device.reader_up": ("读卡器在线", "Card reader up"),
    "device.command_failed": (
        "加气机未响应,请重试或检查通讯 ({detail})",
        "Dispenser did not answer: retry or check the link ({detail})",
    ),
    "fill.recorded": ("{lane} 加气结束:{qty}{unit} ¥{amount}", "{lane} fill ended: {qty} {unit} ¥{amount}"),
    # --- refusals: ledger codes
    "err.login_failed": ("工号或密码错误", "Wrong staff number or PIN"),
    "err.login_locked": ("密码错误次数过多,已锁定,请找站长解锁", "Too many wrong PINs: locked, ask the manager"),
    "err.not_a_staff_card": ("不是员工卡", "Not a staff card"),
    "err.manager_only": ("只有站长可以操作", "Only a manager may do this"),
    "err.actor_unknown": ("请重新登录", "Please log in again"),
    "err.card_not_ours": ("非本公司加气卡", "Not one of our cards"),
    "err.card_unknown": ("查无此卡:{number}", "No such card: {number}"),
    "err.card_lost": ("此卡已挂失,不能使用", "This card is reported lost: refused"),
    "err.card_locked": ("此卡已锁定,请到营业厅解锁", "This card is locked: unlock at the counter"),
    "err.card_closed": ("此卡已注销", "This card is closed"),
    "err.card_expired": ("此卡已过期 ({date})", "This card expired ({date})"),
    "err.card_staff_not_for_fill": ("员工卡不能加气", "A staff card cannot pay for gas"),
    "err.plate_not_bound": ("车号不符:{plate} 未绑定此卡,核对车号", "Plate {plate} is not bound to this card"),
    "err.balance_low": ("余额不足,请充值 (余额 ¥{balance})", "Balance too low, please recharge (¥{balance})"),
    "err.credit_exhausted": ("记账卡额度已用完", "Account card credit used up"),
    "err.balance_insufficient": ("余额不足,请充值或改用现金", "Not enough balance: recharge or pay cash"),
    "err.pin_wrong": ("密码错误,还可尝试{tries_left}次", "Wrong PIN: {tries_left} tries left"),
    "err.pin_format": ("密码应为4到8位数字", "A PIN is 4 to 8 digits"),
    "err.card_number_invalid": ("卡号无效", "Invalid card number"),
    "err.amount_not_positive": ("金额必须大于零", "The amount must be above zero"),
    "err.amount_too_large": ("金额过大", "The amount is too large"),
    "err.amount_not_integer": ("金额格式错误", "Malformed amount"),
    "err.tendered_too_little": ("收款少于应收 ¥{due}", "Tendered is less than the ¥{due} due"),
    "err.fill_already_settled": ("此笔已结算", "Already settled"),
    "err.hold_already_resolved": ("灰锁已处理", "The hold is already resolved"),
    "err.reason_required": ("请填写原因", "A reason is required"),
    "err.plate_invalid": ("车牌号无效", "Invalid plate"),
    "err.quantity_invalid": ("气量无效", "Invalid quantity"),
    "err.price_unknown": ("没有价格", "No price set"),
    "err.card_has_open_hold": ("此卡有未完成的灰锁", "This card has an open hold"),
    "err.card_has_unpaid_fill": ("此卡有未结算的加气", "This card has an unpaid fill"),
    "err.second_manager_required": ("金额较大,需要第二位站长审批", "Large amount: a second manager must approve"),
    "err.drop_more_than_drawer": ("投库金额超过钱箱现金", "More than the drawer holds"),
    # --- refusals: sequence codes
    "err.step_out_of_order": ("请先完成当前步骤", "Finish the current step first"),
    "err.plate_required": ("请输入车牌号", "Type the plate"),
    "err.cylinder_refused": ("气瓶不合格,禁止充装:{problems}", "Cylinder refused: {problems}"),
    "err.residual_pressure_required": ("请先读取余压", "Read the residual pressure first"),
    "err.pressure_invalid": ("压力读数无效 (0-50 MPa)", "Invalid pressure (0-50 MPa)"),
    "err.residual_too_low": (
        "余压{pressure}MPa低于{minimum}MPa,需先置换后充装",
        "Residual {pressure} MPa is below {minimum} MPa: purge the cylinder first",
    ),
    "err.cylinder_full": (
        "余压{pressure}MPa已达充装上限{limit}MPa,无需加气",
        "Residual {pressure} MPa is at the {limit} MPa limit: nothing to fill",
    ),
    "err.sequence_finished": ("流程已结束", "The sequence is over"),
    "err.fill_must_be_settled": ("已加气,必须结算 (或由站长清除)", "Gas was sold: settle it (or a manager clears it)"),
    "err.nozzle_has_unpaid": ("此枪有未结算的加气,先结算", "This nozzle has an unpaid fill: settle it first"),
    "err.nozzle_busy": ("此枪正在使用", "This nozzle is in use"),
    "err.nozzle_not_lifted": ("请先提枪连接", "Lift and connect the nozzle first"),
    "err.dispenser_offline": ("加气机离线", "Dispenser offline"),
    "err.dispenser_refused": ("加气机拒绝:{detail}", "Dispenser refused: {detail}"),
    "err.no_pressure_reading": ("加气机没有压力读数,请输入压力表读数", "No reading from the dispenser: type the gauge"),
    "err.input_empty": ("请输入内容", "Please type a value"),
    "err.input_not_number": ("请输入数字,最多两位小数", "Type a number with at most two decimals"),
    "err.input_too_long": ("输入过长", "Too long"),
    "err.too_many_decimals": ("最多两位小数", "At most two decimals"),
    "err.not_logged_in": ("请先登录", "Log in first"),
    "err.unexpected": (
        "系统错误:{detail}。请重试;如仍失败请联系站长",
        "System error: {detail}. Retry; if it persists call the manager",
    ),
    # --- checklist items, short
    "item.passengers_out": ("人员已下车", "Passengers out"),
    "item.engine_off": ("熄火、拉手刹", "Engine off, handbrake on"),
    "item.no_phone_smoking": ("无烟火、无手机", "No smoking, no phone"),
    "item.hood_open": ("引擎盖、后备箱已开", "Hood and boot open"),
    "item.nozzle_connected": ("已连接加气枪", "Nozzle connected"),
    "item.valves_open": ("两阀已打开", "Both valves open"),
    "item.residual_pressure": ("查看余压", "Residual pressure read"),
    "item.no_leak": ("无泄漏", "No leak"),
    "item.cylinder_valve_closed": ("气瓶阀已关", "Cylinder valve closed"),
    "item.nozzle_vented_removed": ("泄压后拔枪", "Vented, nozzle removed"),
    # --- cylinder problems
    "cyl.vehicle_unknown": ("车辆未登记气瓶", "vehicle has no registered cylinder"),
    "cyl.cylinder_unregistered": ("气瓶{serial}未登记", "cylinder {serial} unregistered"),
    "cyl.inspection_overdue": ("气瓶{serial}检验过期 ({date})", "cylinder {serial} inspection overdue ({date})"),
    "cyl.design_life_ended": ("气瓶{serial}超过设计使用年限", "cylinder {serial} past its design life"),
    "cyl.cylinder_failed": ("气瓶{serial}检验不合格", "cylinder {serial} failed inspection"),
    # --- the dispenser link, naming the port (err.link_<cause>: also the refusal to authorize)
    "err.link_connecting": ("加气机通讯中断:{port}(正在连接)", "Dispenser link down: {port} (connecting)"),
    "err.link_missing": ("加气机通讯中断:{port}(无此设备)", "Dispenser link down: {port} (no such device)"),
    "err.link_permission": ("加气机通讯中断:{port}(无权访问)", "Dispenser link down: {port} (permission denied)"),
    "err.link_refused": ("加气机通讯中断:{port}(连接被拒绝)", "Dispenser link down: {port} (connection refused)"),
    "err.link_not_serial": ("加气机通讯中断:{port}(不是串口)", "Dispenser link down: {port} (not a serial port)"),
    "err.link_timeout": ("加气机通讯中断:{port}(连接超时)", "Dispenser link down: {port} (timed out)"),
    "err.link_lost": ("加气机通讯中断:{port}(线路断开)", "Dispenser link down: {port} (line lost)"),
    "err.link_other": ("加气机通讯中断:{port}({detail})", "Dispenser link down: {port} ({detail})"),
    "estop.failed": (
        "{lane} 紧急停止未送达:加气机无应答。立即按加气机上的急停按钮!",
        "E-STOP did not reach {lane}: the dispenser did not answer. Press the dispenser's own emergency button now!",
    ),
    "estop.failed_link": (
        "{lane} 紧急停止未送达:加气机通讯中断 {port}。立即按加气机上的急停按钮!",
        "E-STOP did not reach {lane}: dispenser link down: {port}. Press the dispenser's own emergency button now!",
    ),
    "err.ledger_unavailable": (
        "数据库暂时无法使用,未做任何更改。请重试;如仍失败请联系站长",
        "The database is not available: nothing was changed. Retry; if it persists call the manager",
    ),
    "err.screen_reset": (
        "出现意外错误 ({detail}),已记录日志,画面已重置。请重试;如仍失败请联系站长",
        "Unexpected error ({detail}): logged, the screen was reset. Retry; if it persists call the manager",
    ),
    "err.fatal": (
        "终端遇到意外错误 ({detail}) 已退出,详情见日志。请重新启动;如仍失败请联系站长",
        "The terminal stopped on an unexpected error ({detail}); see the log. Restart; if it persists call the manager",
    ),
    # --- recov2b: lost replies, lost ACK, disk full
    "err.nozzle_unacknowledged": (
        "该枪上一笔交易尚未确认,正在补记,请稍候再授权",
        "This nozzle's last fill is not yet acknowledged; recording it now, authorize again in a moment",
    ),
    "err.authorize_not_carried_out": (
        "加气机未应答授权,已确认未授权,卡冻结已退回,请重新授权",
        "The dispenser did not answer the authorize and reports it not carried out; hold given back, authorize again",
    ),
    "authorize.unknown": (
        "{lane} 授权结果未知:加气机未应答,可能正在加气;保持冻结,等待加气机应答",
        "{lane} authorize unknown: no answer, the nozzle may be filling; hold kept until the dispenser answers",
    ),
    "err.ledger_unwritable": (
        "账本无法写入(磁盘已满或只读),不能授权加气;请联系站长处理:{detail}",
        "The ledger cannot write (disk full or read-only), so no fill is authorized; call the manager: {detail}",
    ),
    "fill.unrecorded": (
        "{lane} 第{number}笔交易无法记入账本(磁盘已满?),加气机保留该笔,恢复后自动补记",
        "{lane} transaction {number} cannot be written to the ledger (disk full?); the dispenser keeps it and it "
        "is recorded as soon as the ledger can write",
    ),
    "sequence.resumed.filling": (
        "{lane} 重启前已授权:流程恢复到第8步 加气,加气结束后继续",
        "{lane} was authorized before the restart: back at step 8 Filling; carry on when the fill ends",
    ),
    "sequence.resumed.disconnect": (
        "{lane} 重启前已加气未结算:流程恢复到第9步 关阀拔枪,然后结算",
        "{lane} was filled but not paid before the restart: back at step 9 Disconnect, then settle",
    ),
    "authorize.dropped_at_start": (
        "{lane} 重启前的授权未执行(加气机无授权、无交易):已撤销,卡冻结已退回",
        "{lane} the authorize before the restart was never carried out (no authorization, no transaction at "
        "the dispenser): dropped, hold given back",
    ),
    "authorize.confirmed": ("{lane} 加气机已应答:授权有效", "{lane} dispenser answered: the authorize holds"),
    "authorize.not_carried_out": (
        "{lane} 加气机已应答:未授权,未加气,冻结已退回,请重新开始",
        "{lane} dispenser answered: not authorized, no gas; hold given back, start again",
    ),
}


# Screen flow (tuiflow): the settle-unpaid screen says what to do at each turn.
CATALOGUE.update(
    {
        "unpaid.choose": ("C 现金 · K 加气卡 · F7 主管清除", "C cash · K card · F7 manager clears"),
        "unpaid.do_card": (
            "在读卡器上刷卡或输入卡号后回车;请驾驶员输入密码后回车",
            "Present the card on the reader or type its number, Enter; the driver types the PIN, Enter",
        ),
    }
)


def t(key: str, lang: Language = "zh", **params: Any) -> str:
    """Look up ``key`` in ``lang`` and fill in ``params``; an unknown key shows itself, never crashes."""
    entry = CATALOGUE.get(key)
    if entry is None:
        return key
    text = entry[0] if lang == "zh" else entry[1]
    try:
        return text.format(**params)
    except (KeyError, IndexError, ValueError):
        return text


def error_text(code: str, lang: Language = "zh", **params: Any) -> str:
    key = f"err.{code}"
    if key in CATALOGUE:
        return t(key, lang, **params)
    return t("err.unexpected", lang, detail=code)


def _merge_sections() -> None:
    """Feature sections keep their strings in their own module; they join this one catalogue here."""
    from station.i18n_sections import SECTIONS

    for section in SECTIONS:
        overlap = set(section) & set(CATALOGUE)
        if overlap:
            raise ValueError(f"catalogue keys defined twice: {sorted(overlap)[:5]}")
        CATALOGUE.update(section)


_merge_sections()
